"""Imported by the face matcher's fork server (see face_matcher._fork_server): the models
load there once, and every worker process forked from it starts with them."""

from __future__ import annotations

import logging

from app.adapters.face_matcher import load_models

PRELOADED = False
try:
    load_models()
    PRELOADED = True
except Exception:  # the fork server must start all the same: each worker then loads its own
    logging.getLogger(__name__).exception("face models not preloaded")
