#!/bin/sh
# Install every package faxhub needs to build, test and run its loopback demo
# on Debian 12.  Run as root.  Postfix is preseeded to "No configuration" so
# that apt neither asks a question nor sets up a system mail instance.
set -e
PKGS="build-essential autoconf automake libtool pkg-config
 libetpan-dev libesmtp-dev libgdbm-dev libtiff-dev libcrypt-dev libpng-dev
 libgnutls28-dev libssl-dev libdpkg-perl
 libjpeg62-turbo-dev libgif-dev libwebp-dev libheif-dev libheif-examples
 libtiff-tools ghostscript imagemagick qpdf poppler-utils zlib1g-dev
 libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui
 libpango1.0-dev libcairo2-dev fonts-dejavu-core fonts-noto-cjk
 postfix dovecot-imapd dovecot-lmtpd swaks curl openssl
 hylafax-server hylafax-client iaxmodem
 valgrind clang libclang-rt-14-dev mandoc bsdextrautils procps psmisc netcat-openbsd python3
 bubblewrap debhelper lintian"
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $PKGS
