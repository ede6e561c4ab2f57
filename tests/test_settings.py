"""The configuration path a deployment takes, exercised in fresh processes."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path) -> dict:
    return {
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "digest.example.org",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


@pytest.mark.parametrize("required", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_setting(tmp_path, required):
    env = production_env(tmp_path)
    del env[required]
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert required in result.stderr


def test_production_turns_debug_off_even_if_asked(tmp_path):
    env = {**production_env(tmp_path), "DJANGO_DEBUG": "1"}
    result = run_manage("shell", "-v", "0", "-c", "from django.conf import settings; print(settings.DEBUG)", env=env)
    assert result.stdout.strip() == "False", result.stderr


def test_database_url_selects_postgresql(tmp_path):
    env = {"DATABASE_URL": "postgres://u:p@127.0.0.1:5999/db", "SQLITE_PATH": str(tmp_path / "x.sqlite3")}
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_redis_urls_select_redis_broker_and_cache(tmp_path):
    env = {
        "Q_BROKER_URL": "redis://127.0.0.1:6390/0",
        "CACHE_URL": "redis://127.0.0.1:6390/1",
        "SQLITE_PATH": str(tmp_path / "x.sqlite3"),
    }
    code = (
        "from django.conf import settings; "
        "print(settings.Q_CLUSTER.get('redis'), 'orm' in settings.Q_CLUSTER, settings.CACHES['default']['BACKEND'])"
    )
    result = run_manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.split() == [
        "redis://127.0.0.1:6390/0",
        "False",
        "django.core.cache.backends.redis.RedisCache",
    ], result.stderr


def test_defaults_are_sqlite_with_wal_and_orm_broker(tmp_path):
    env = {"SQLITE_PATH": str(tmp_path / "x.sqlite3")}
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS']['transaction_mode'], settings.Q_CLUSTER['orm'], "
        "settings.Q_CLUSTER['max_attempts'] > 0, settings.Q_CLUSTER['retry'] > settings.Q_CLUSTER['timeout'])"
    )
    result = run_manage("shell", "-v", "0", "-c", code, env={**env, "Q_BROKER_URL": "", "DATABASE_URL": ""})
    assert result.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE", "default", "True", "True"], (
        result.stderr
    )


def test_media_storage_backend_and_options_come_from_the_environment(tmp_path):
    env = {
        "SQLITE_PATH": str(tmp_path / "x.sqlite3"),
        "MEDIA_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "MEDIA_STORAGE_OPTIONS": '{"bucket_name": "digest-media", "endpoint_url": "http://127.0.0.1:9000"}',
    }
    code = "from django.core.files.storage import storages; s = storages['default']; print(type(s).__name__, s.bucket_name)"
    result = run_manage("shell", "-v", "0", "-c", code, env=env)
    assert result.stdout.split() == ["S3Storage", "digest-media"], result.stderr
