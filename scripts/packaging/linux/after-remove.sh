#!/bin/sh
# deb post-remove: drop the /usr/bin/factordesk link if it still points into the app.
set -e
if [ -L /usr/bin/factordesk ] && [ "$(readlink /usr/bin/factordesk)" = '/opt/FactorDesk/resources/cli/factordesk' ]; then
  rm -f /usr/bin/factordesk
fi
