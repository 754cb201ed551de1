#!/bin/sh
# Browser for the live-screen tests (tests/ui): Debian's Chromium and its chromedriver.
# Called from .ci/run; does nothing when Chromium is already there.
set -e
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
