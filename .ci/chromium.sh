#!/usr/bin/env bash
# Chromium for the browser test of examples/document-manager (test/examples/document-manager.test.ts,
# driven by playwright-core): installs Debian's `chromium` package when /usr/bin/chromium is
# missing. Idempotent and quiet: with Chromium already there it does nothing and prints nothing.
#
#   .ci/chromium.sh
#
# Needs root and apt-get to install; tries the package lists as they are first, then refreshes
# them once. Exits non-zero, saying why, when Chromium is not there afterwards. With
# EXPRESS_WOPI_REQUIRE_CHROMIUM=1 the test run then fails instead of skipping the browser test.
#
# Environment: CHROMIUM_PATH (default /usr/bin/chromium), the browser the test runs.
set -euo pipefail

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"

works() { [ -x "$chromium" ] && "$chromium" --headless --no-sandbox --version >/dev/null 2>&1; }

works && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "chromium.sh: $chromium is missing, and installing Debian's chromium package needs root" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium.sh: $chromium is missing, and there is no apt-get to install it with" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; }
install || { apt-get update -qq >/dev/null 2>&1 && install; } || true

if ! works; then
  echo "chromium.sh: could not install Debian's chromium package ($chromium does not run)" >&2
  exit 1
fi
