# The firewall index, `pycustoms serve`, in a container. See docs/deploy.md.
#
#   docker build -t pycustoms .
#   docker run -d --name pycustoms -p 127.0.0.1:8080:8080 -v pycustoms-data:/data \
#     -e PYCUSTOMS_SERVE_UPSTREAM=https://INDEX/simple/ pycustoms
#
# The base image is pinned by tag, not by digest: a rebuild takes the tag's current image
# (Python and Debian security fixes) and is therefore not bit-for-bit reproducible. To pin
# it exactly, replace the tag with `python:3.11-slim-bookworm@sha256:<digest>`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# The server runs as this system user, which has no password, no shell and owns nothing
# but the data directory.
RUN groupadd --system --gid 10001 pycustoms \
 && useradd --system --uid 10001 --gid pycustoms --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin pycustoms \
 && mkdir -p /data \
 && chown pycustoms:pycustoms /data \
 && chmod 0750 /data

# As `make run` does: the venv's own pip is used once, to install the pip pinned in
# bootstrap.txt; that pip installs the runtime lock with every file's hash checked.
WORKDIR /src
COPY requirements/bootstrap.txt requirements/runtime.txt requirements/
RUN python -m venv /opt/pycustoms \
 && /opt/pycustoms/bin/python -m pip install --no-deps --only-binary :all: --require-hashes \
      -r requirements/bootstrap.txt \
 && /opt/pycustoms/bin/python -m pip install --require-hashes -r requirements/runtime.txt

# pycustoms itself, without dependencies (the lock holds them all) and without fetching a
# build backend (setuptools is in the lock too).
COPY pyproject.toml README.md ./
COPY src/ src/
RUN /opt/pycustoms/bin/python -m pip install --no-deps --no-build-isolation .

ENV PATH=/opt/pycustoms/bin:$PATH \
    HOME=/data \
    PYCUSTOMS_DATA_DIR=/data \
    PYCUSTOMS_SERVE_PORT=8080

# The database, the blob store, the page cache and the console's signing key.
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER pycustoms:pycustoms

# The base image has no curl: the venv's Python asks /health (the port follows PYCUSTOMS_SERVE_PORT).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PYCUSTOMS_SERVE_PORT', '8080'), timeout=4)"]

# Listen on every address of the container; publish the port on the host's loopback or
# behind a reverse proxy with TLS (docs/deploy.md). More flags follow `docker run IMAGE`.
ENTRYPOINT ["pycustoms", "serve", "--host", "0.0.0.0"]
