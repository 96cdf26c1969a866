# Production image: gunicorn serving Django (static files through WhiteNoise);
# the same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDIA_ROOT=/app/media \
    WEB_CONCURRENCY=3

# WeasyPrint's native libraries and a font; gettext for compilemessages.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Build-time only: static files (hashed manifest, since DEBUG is off) and
# compiled translations. The dummy key never reaches the running container.
RUN export DEBUG=0 SECRET_KEY=collectstatic-build-only-not-secret \
    && python manage.py collectstatic --noinput \
    && if find . -name '*.po' -path '*/locale/*' | grep -q .; then python manage.py compilemessages; fi

RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home app \
    && mkdir -p /app/media \
    && chown app:app /app/media
USER app

EXPOSE 8000
# Workers: WEB_CONCURRENCY (3 above). The control socket is unused (and HOME is not writable).
CMD ["gunicorn", "peerreview.config.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--no-control-socket"]
