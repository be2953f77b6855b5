"""Settings: each declared once (name, type, default, help) and read from defaults → file → ``HTKG_*``.

This is the only module that reads ``os.environ``. The CLI's ``--help`` texts, the README table and
a test that every setting is documented are all derived from :data:`SETTINGS`.

>>> s = Settings.load(env={"HTKG_PORT": "9000"})
>>> s.port, s.query_timeout
(9000, 10.0)
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from .errors import ConfigError

__all__ = ["Setting", "SETTINGS", "Settings", "ENV_PREFIX", "settings_table"]

ENV_PREFIX = "HTKG_"


@dataclass(frozen=True)
class Setting:
    name: str
    type: Callable[[str], Any]
    default: Any
    help: str
    command_line: bool = True   # False: never a flag (a secret would show in the process list and history)

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


def _bool(value: str | bool) -> bool:
    if isinstance(value, bool):
        return value
    low = str(value).strip().lower()
    if low in {"1", "true", "yes", "on"}:
        return True
    if low in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def _opt_str(value: str | None) -> str | None:
    return value or None


SETTINGS: tuple[Setting, ...] = (
    Setting("base_iri", str, "https://w3id.org/htkg/", "Base IRI of everything the graph names; must end with '/'."),
    Setting("release_dir", str, "build/release", "Directory of the release to build into and to serve."),
    Setting("host", str, "127.0.0.1", "Address the server listens on."),
    Setting("port", int, 8000, "Port the server listens on."),
    Setting("workers", int, 2, "Number of server worker processes (granian)."),
    Setting("store_path", _opt_str, None, "Directory of an on-disk pyoxigraph store to serve (opened read-only); default: in memory."),
    Setting("store_url", _opt_str, None, "URL of a remote SPARQL 1.1 query endpoint to serve from, instead of the embedded store."),
    Setting("store_timeout", float, 30.0, "Seconds to wait for a remote store before answering 503, and for its start-up check."),
    Setting("store_transport", str, "form", "How queries go to a remote store: form (POST form, every store answers it), get, or direct (POST application/sparql-query; Virtuoso 7.2 never answers it)."),
    Setting("store_named_graphs", int, 1000, "Most release graphs named as the dataset of every remote query (121 cost Oxigraph ~12 ms a query); past it, or 0, the store's default graph is used and must hold the release alone (checked at start-up)."),
    Setting("store_user", _opt_str, None, "User name for a remote store that asks for credentials (HTTP Basic or Digest), for serve and publish; without it, the host's entry in ~/.netrc."),
    Setting("store_password", _opt_str, None, "Password of store_user: from the environment or the config file only, never a command-line flag.", command_line=False),
    Setting("query_timeout", float, 10.0, "Longest a SPARQL query may run, in seconds; a client may ask for less, never more."),
    Setting("query_memory_mb", int, 2048, "Memory a query worker process may use, in MiB, before it is stopped."),
    Setting("max_concurrent_queries", int, 2, "Queries evaluated at once per server worker, in the order they came; one that waits more than a second for its turn gets 503."),
    Setting("bounded_query_cap", int, 10_000, "A query of a shape that cannot run away (one triple pattern with a constant, or a one-predicate path from a constant) that matches at most this many quads is answered in the server worker, without a query process; 0: every query goes to a query process."),
    Setting("request_turns", int, 1, "Requests of a server worker that run their Python at once, first come first served; the others wait their turn, and a request waiting on a query process gives its turn up (embedded store only); 0: no turns, every thread at once."),
    Setting("max_body_bytes", int, 1_000_000, "Largest request body accepted, in bytes (413 above)."),
    Setting("max_request_head_bytes", int, 65_536, "Largest request line plus headers the server reads, in bytes (431 above; at least 8192); a GET longer than the app accepts gets the app's own answer below this."),
    Setting("max_query_chars", int, 100_000, "Longest SPARQL query text accepted, in characters."),
    Setting("html_row_limit", int, 1000, "Most result rows shown in an HTML view (the rest are paged)."),
    Setting("explore_max_nodes", int, 2000, "Most nodes the explorer and graph exports read for one view; a bigger graph is shown as its departments until narrowed with department= or kind=."),
    Setting("trust_proxy", _bool, False, "Trust X-Forwarded-*/Forwarded headers for public URLs (only behind a reverse proxy you control)."),
    Setting("cors_origin", str, "*", "Value of Access-Control-Allow-Origin on every response."),
    Setting("cache_max_age", int, 300, "Cache-Control max-age, in seconds, for release-bound responses."),
    Setting("contact_email", str, "mailto:htkg-maintainers@example.org", "Contact point published in the catalog (placeholder until a deploying agency sets it)."),
    Setting("publisher_name", _opt_str, None, "Publisher named in the catalog and data.json (placeholder until a deploying agency sets it)."),
    Setting("bureau_code", _opt_str, None, "DCAT-US bureauCode 'agency:bureau' (OMB A-11 App. C) for data.json; placeholder 000:00 until set."),
    Setting("program_code", _opt_str, None, "DCAT-US programCode 'agency:program' (Federal Program Inventory) for data.json; placeholder 000:000 until set."),
    Setting("log_level", str, "info", "Log level: debug, info, warning, error."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
PATH_SETTINGS = ("release_dir", "store_path")   # folders, resolved against the working directory at start-up


def settings_table() -> str:
    """The README's settings table (Markdown), derived from :data:`SETTINGS`; a test keeps them equal."""
    rows = ["| setting | flag | environment | default | what it does |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        default = "(none)" if s.default is None else f"`{s.default}`"
        text = s.help.replace("|", "\\|")
        flag = f"`{s.flag}`" if s.command_line else "(none)"
        rows.append(f"| `{s.name}` | {flag} | `{s.env}` | {default} | {text} |")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class Settings:
    base_iri: str = _BY_NAME["base_iri"].default
    release_dir: str = _BY_NAME["release_dir"].default
    host: str = _BY_NAME["host"].default
    port: int = _BY_NAME["port"].default
    workers: int = _BY_NAME["workers"].default
    store_path: str | None = None
    store_url: str | None = None
    store_timeout: float = _BY_NAME["store_timeout"].default
    store_transport: str = _BY_NAME["store_transport"].default
    store_named_graphs: int = _BY_NAME["store_named_graphs"].default
    store_user: str | None = None
    store_password: str | None = field(default=None, repr=False)
    query_timeout: float = _BY_NAME["query_timeout"].default
    query_memory_mb: int = _BY_NAME["query_memory_mb"].default
    max_concurrent_queries: int = _BY_NAME["max_concurrent_queries"].default
    bounded_query_cap: int = _BY_NAME["bounded_query_cap"].default
    request_turns: int = _BY_NAME["request_turns"].default
    max_body_bytes: int = _BY_NAME["max_body_bytes"].default
    max_request_head_bytes: int = _BY_NAME["max_request_head_bytes"].default
    max_query_chars: int = _BY_NAME["max_query_chars"].default
    html_row_limit: int = _BY_NAME["html_row_limit"].default
    explore_max_nodes: int = _BY_NAME["explore_max_nodes"].default
    trust_proxy: bool = False
    cors_origin: str = _BY_NAME["cors_origin"].default
    cache_max_age: int = _BY_NAME["cache_max_age"].default
    contact_email: str = _BY_NAME["contact_email"].default
    publisher_name: str | None = None
    bureau_code: str | None = None
    program_code: str | None = None
    log_level: str = _BY_NAME["log_level"].default
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if not self.base_iri.endswith("/"):
            raise ConfigError("base_iri", f"{self.base_iri!r} must end with '/'")
        if not (self.base_iri.startswith("http://") or self.base_iri.startswith("https://")):
            raise ConfigError("base_iri", f"{self.base_iri!r} must be an http(s) IRI")
        for name in ("port", "workers", "max_concurrent_queries", "max_body_bytes", "max_query_chars", "html_row_limit",
                     "explore_max_nodes"):
            if getattr(self, name) < 1:
                raise ConfigError(name, f"must be at least 1, got {getattr(self, name)}")
        if self.bounded_query_cap < 0:
            raise ConfigError("bounded_query_cap", f"must be 0 (off) or more, got {self.bounded_query_cap}")
        if self.request_turns < 0:
            raise ConfigError("request_turns", f"must be 0 (off) or more, got {self.request_turns}")
        if self.max_request_head_bytes < 8192:
            raise ConfigError("max_request_head_bytes", f"must be at least 8192 (HTTP/1.1's smallest buffer), "
                                                        f"got {self.max_request_head_bytes}")
        if self.query_timeout <= 0:
            raise ConfigError("query_timeout", "must be more than 0 seconds")
        if self.store_transport not in ("form", "get", "direct"):
            raise ConfigError("store_transport", f"unknown transport {self.store_transport!r}",
                              hint="one of form, get, direct")

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None, *, file: str | Path | None = None,
             env: Mapping[str, str] | None = None) -> "Settings":
        """Defaults, then the TOML ``file`` (or ``$HTKG_CONFIG``), then ``HTKG_*`` variables, then ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        file = file or env.get(ENV_PREFIX + "CONFIG")
        if file:
            try:
                data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError("config", f"cannot read {file}: {exc}") from exc
            for key, raw in data.items():
                values[key] = _coerce(key, raw, f"in {file}")
        for s in SETTINGS:
            if s.env in env:
                values[s.name] = _coerce(s.name, env[s.env], f"from ${s.env}")
        for key, raw in (overrides or {}).items():
            if raw is not None:
                if key in _BY_NAME and not _BY_NAME[key].command_line:
                    raise ConfigError(key, "is never given on the command line",
                                      hint=f"set {_BY_NAME[key].env} or put it in the config file")
                values[key] = _coerce(key, raw, "from the command line")
        return cls(**values)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def resolved(self, cwd: str | Path | None = None) -> "Settings":
        """These settings with their paths (``release_dir``, ``store_path``) made absolute against ``cwd``.

        Called once when a server starts, so a relative ``--release-dir build/release`` means the folder
        under the directory the command ran in, wherever a later step (``send_file``) resolves paths.
        """
        base = Path(cwd) if cwd is not None else Path.cwd()
        return self.replace(**{name: str((base / value).resolve()) for name in PATH_SETTINGS
                               if (value := getattr(self, name)) is not None})


def _coerce(name: str, raw: Any, where: str) -> Any:
    setting = _BY_NAME.get(name)
    if setting is None:
        raise ConfigError(name, f"unknown setting {where}", hint="known: " + ", ".join(_BY_NAME))
    if raw is None or (not isinstance(raw, str) and setting.type in (str, _opt_str)):
        return raw
    try:
        return setting.type(raw) if isinstance(raw, str) or setting.type is _bool else setting.type(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(name, f"bad value {raw!r} {where}: {exc}") from exc
