# gridportal: one image for the web server (gunicorn), the Celery worker and Celery beat.
# docker-compose.yml runs it beside PostgreSQL and Redis; all settings come from the environment
# (see gridportal/settings.py). No secret is baked in: SECRET_KEY must be given at run time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/uploads

# An unprivileged account runs everything; the code stays owned by root, so it can only read it.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so editing the code does not reinstall them.
COPY requirements/base.txt requirements/base.txt
RUN pip install --no-cache-dir -r requirements/base.txt

COPY . .

# SECRET_KEY is set for these commands only (settings would otherwise write a generated one
# under var/). The var/ they leave behind is replaced by an empty one the app user owns; the
# `uploads` volume mounted on /app/var/uploads takes its ownership from it.
RUN SECRET_KEY=build-only python manage.py compile_translations \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && rm -rf /app/var \
    && mkdir -p /app/var/uploads \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "gridportal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
