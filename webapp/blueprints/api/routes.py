"""API routes (placeholder until the API lands)."""
from flask import jsonify

from . import bp


@bp.get("/openapi.json")
def openapi():
    return jsonify({"openapi": "3.0.3", "info": {"title": "Kezek", "version": "1"}, "paths": {}})
