"""WSGI entry point: ``gunicorn -c gunicorn.conf.py app:app``."""

from web import create_app

app = create_app()
