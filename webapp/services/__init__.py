"""The domain: every rule of Kezek lives here, one module per concept.

Services take plain arguments (a session, ids, an Actor, "now" from the clock) and never touch
flask.request, session or g, so the CLI, jobs and tests call exactly what the web routes call.
"""
