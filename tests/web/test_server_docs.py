"""The README documents every server setting, with the table derived from config.SETTINGS."""

from htkg.config import SETTINGS, settings_table


def test_readme_has_the_settings_table(project_root):
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "regenerate the table with htkg.config.settings_table()"


def test_every_setting_is_in_the_readme(project_root):
    readme = (project_root / "README.md").read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme or s.env not in readme]
    assert not missing, f"settings missing from README.md: {missing}"
    assert len(SETTINGS) >= 15
