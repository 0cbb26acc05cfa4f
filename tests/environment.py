"""The test run's environment: production mode, read by `console/settings.py` exactly as in production.

Loaded as a pytest plugin (`-p tests.environment` in pyproject.toml) before pytest-django reads the settings.
These variables are set whatever the shell or `.env` says (a developer's `DEBUG=true` would otherwise put the
suite on the development path); every other variable (`DATABASE_URL`, …) comes from the environment as in
production:

- `DEBUG=false`: every setting takes its production value (secure cookies, HSTS, persistent connections,
  strict checks of `SECRET_KEY` and `ALLOWED_HOSTS`); `DEMO_MODE=false` as its default then is.
- `SECRET_KEY`: a key for tests only, long and varied enough for the production check.
- `ALLOWED_HOSTS=testserver,localhost`: production refuses an empty list; these are the host names of Django's
  test client and of the schema fuzzer's in-process calls (the browser tests' live server adds its own).
- `SECURE_SSL_REDIRECT=false`: the test client and the browser tests' live server speak plain HTTP, as an app
  server does behind a proxy that redirects to HTTPS itself; tests/console/test_hardening.py checks the
  redirect with production's value.
- `CACHE_URL=locmemcache://`: data caches and rate limits in memory (production shares them in Redis or the
  database, tests/console/test_operations.py), also for what runs before any test's fixtures, such as the
  schema the API fuzzer loads at collection.

The settings tests change beyond this are few and named in tests/conftest.py (`_fast_and_isolated`).
"""

import os

TEST_ENVIRONMENT = {
    "DEBUG": "false",
    "DEMO_MODE": "false",
    "SECRET_KEY": "tests-only-0f5b9c2e7d4a1b8e6c3f0a9d2b7e4c1f8a5d2e9b6c3f0a7d4e1b8c5f2a9e6d3b",
    "ALLOWED_HOSTS": "testserver,localhost",
    "SECURE_SSL_REDIRECT": "false",
    "CACHE_URL": "locmemcache://",
}

os.environ.update(TEST_ENVIRONMENT)
