# Homeroom's production image: one image for the web (uvicorn), Celery worker and beat processes.
# Configured only through environment variables (see .env.example and docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hub.settings.production \
    WEB_CONCURRENCY=2 \
    UVICORN_TIMEOUT_KEEP_ALIVE=75

# Pango, HarfBuzz and fonts for WeasyPrint (PDF reports); gettext to compile the UI translations;
# Apertium for machine translation of messages (English <-> Spanish).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
      fonts-dejavu-core \
      gettext apertium apertium-eng-spa \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 homeroom \
 && useradd --system --uid 10001 --gid homeroom --home-dir /app --shell /usr/sbin/nologin homeroom

WORKDIR /app

COPY requirements.lock requirements-translation.lock requirements-embeddings.lock ./
# requirements-translation.lock pins the CPU build of PyTorch (torch==...+cpu); pass
# --build-arg PIP_EXTRA_INDEX_URL=<PyTorch's CPU wheel index> where it is not in a local wheel cache.
ARG PIP_EXTRA_INDEX_URL=""
RUN pip install -r requirements.lock && pip install -r requirements-translation.lock
RUN pip install -r requirements-embeddings.lock

COPY --chown=homeroom:homeroom . .

# Build-time placeholders only: production settings refuse to import without a key, and the
# compiled static files and translations depend on neither. Real values come at run time.
RUN SECRET_KEY=build-only-not-a-secret FIELD_ENCRYPTION_KEYS=build-only-not-a-key \
      python manage.py collectstatic --noinput \
 && SECRET_KEY=build-only-not-a-secret FIELD_ENCRYPTION_KEYS=build-only-not-a-key \
      python manage.py compilemessages --ignore=.venv \
 && mkdir -p /app/media \
 && chown -R homeroom:homeroom /app/staticfiles /app/media /app/locale

USER homeroom

EXPOSE 8000

# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers. uvicorn reads its
# number of worker processes from WEB_CONCURRENCY, and keeps idle connections for
# UVICORN_TIMEOUT_KEEP_ALIVE seconds: longer than the load balancer's idle timeout (often 60 s),
# so uvicorn never closes a connection the balancer is about to reuse (seen as failed requests
# under load with uvicorn's default of 5 s). Each process serves at most MAX_REQUESTS_IN_FLIGHT
# requests at once, with DB_POOL_MAX_SIZE database connections (hub/concurrency.py, settings).
CMD ["uvicorn", "hub.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*"]
