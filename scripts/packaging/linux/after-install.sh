#!/bin/sh
# deb post-install: the stand-alone command line as /usr/bin/factordesk.
set -e
ln -sf '/opt/FactorDesk/resources/cli/factordesk' /usr/bin/factordesk
