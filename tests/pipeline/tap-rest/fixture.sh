# Sourced by the tap-rest cases. start_fixture runs http_fixture on 127.0.0.1 (a port
# the kernel picks) with ./routes and stops it when the case exits; tap runs tap-rest
# with time_extracted and the server's port normalised, keeping the exit code.
# Proxy variables would send loopback requests elsewhere.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY

start_fixture() {
  http_fixture --routes routes --port-file port --log requests.log &
  FIXTURE_PID=$!
  trap 'kill $FIXTURE_PID 2>/dev/null; wait $FIXTURE_PID 2>/dev/null' EXIT
  for _ in $(seq 1 500); do
    [ -s port ] && break
    sleep 0.01
  done
  PORT=$(cat port)
  URL="http://127.0.0.1:$PORT"
}

tap() {
  tap-rest "$@" >.out 2>.err
  local code=$?
  sed -E 's/"time_extracted":"[^"]*"/"time_extracted":"X"/' .out
  sed -E -e "s/127\.0\.0\.1:$PORT/HOST/g" -e 's/("metric": "sync_duration", "value": )[0-9.e+-]+/\1X/' .err >&2
  return $code
}
