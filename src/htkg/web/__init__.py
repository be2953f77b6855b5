"""The web layer: translates HTTP to calls on a release and a store. Nothing below ``htkg.web`` is imported by the core.

``create_app()`` builds everything (no global app); one blueprint per area, templates namespaced the
same way (``templates/<area>/…``).
"""

from .app import create_app

__all__ = ["create_app"]
