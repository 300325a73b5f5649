#!/usr/bin/env bash
# Serves api/ on 127.0.0.1 (http_fixture, on a port the kernel picks), points tap-rest at
# it through TAP_REST_API_URL, and runs pipeline.json with singer-run. Offline.
set -euo pipefail
cd "$(dirname "$0")"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
rm -f .port
http_fixture --routes api/routes --port-file .port &
server=$!
trap 'kill $server 2>/dev/null; rm -f .port' EXIT
for _ in $(seq 1 200); do [ -s .port ] && break; sleep 0.05; done
export TAP_REST_API_URL="http://127.0.0.1:$(cat .port)"
singer-run pipeline.json
