"""`pycustoms serve`: the firewall index that pip, uv and poetry install through.

`create_app(...)` (in `app`) builds the ASGI application; everything a request
needs lives in `state.ServerState`. Filtering (`filtering`) is pure; storage is
behind `storage.BlobStore`.
"""
