from pathlib import Path

import pytest

from companion.errors import SettingsError
from companion.settings import PACKAGED_MODEL, Settings, load_settings


class TestLoadSettings:
    def test_defaults_are_embedded(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
        settings = load_settings()
        assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/companion.db"
        assert settings.chroma_url is None
        assert settings.chroma_path == tmp_path / "chroma"
        assert settings.embedding_model == PACKAGED_MODEL
        assert settings.llm_model == "offline"

    def test_quick_reads_run_one_at_a_time_on_sqlite_two_on_postgresql(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("COMPANION_DATA_DIR", str(tmp_path))
        monkeypatch.delenv("COMPANION_DATABASE_URL", raising=False)
        monkeypatch.delenv("COMPANION_READ_THREADS", raising=False)
        assert load_settings().resolved_read_threads == 1
        monkeypatch.setenv("COMPANION_DATABASE_URL", "postgresql+psycopg://u@localhost/db")
        assert load_settings().resolved_read_threads == 2
        monkeypatch.setenv("COMPANION_READ_THREADS", "6")
        assert load_settings().resolved_read_threads == 6
        monkeypatch.setenv("COMPANION_READ_THREADS", "0")
        with pytest.raises(SettingsError, match="COMPANION_READ_THREADS"):
            load_settings()

    def test_invalid_value_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_CHROMA_URL", "localhost:8000")
        with pytest.raises(SettingsError, match="COMPANION_CHROMA_URL: must start with http"):
            load_settings()

    def test_unknown_database_backend_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_DATABASE_URL", "mysql://u@h/db")
        with pytest.raises(SettingsError, match="COMPANION_DATABASE_URL"):
            load_settings()

    def test_missing_local_model_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_EMBEDDING_MODEL", "/nowhere/model")
        with pytest.raises(SettingsError, match=r"COMPANION_EMBEDDING_MODEL.*never downloaded"):
            load_settings()

    def test_production_refuses_the_default_secret(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("COMPANION_ENVIRONMENT", "production")
        with pytest.raises(SettingsError, match="COMPANION_SECRET_KEY"):
            load_settings()
        monkeypatch.setenv("COMPANION_SECRET_KEY", "a-long-private-random-value-123")
        assert load_settings().environment == "production"

    def test_api_key_is_never_shown(self) -> None:
        settings = Settings(llm_api_key="sk-very-secret")
        assert "sk-very-secret" not in repr(settings)
        assert "sk-very-secret" not in settings.model_dump_json()
