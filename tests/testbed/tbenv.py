"""tbenv: read a testbed world's DIR/env for the tb-* helpers.

The world script writes DIR/env as plain sh assignments (NAME=value or
NAME='value'); this module parses exactly that form, without running a
shell.  The world directory comes from -d DIR or from $TB_DIR."""

import os
import shlex
import sys

MAX_ENV_BYTES = 65536


def load(world_dir):
    """Return the world's variables as a dict; exit with a message when the
    world directory or its env file is missing."""
    if not world_dir:
        world_dir = os.environ.get("TB_DIR", "")
    if not world_dir:
        sys.exit("no world: give -d DIR or set TB_DIR")
    path = os.path.join(world_dir, "env")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(MAX_ENV_BYTES)
    except OSError as e:
        sys.exit("cannot read %s: %s (is the world started?)" % (path, e))
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        words = shlex.split(value) if value else [""]
        env[name] = words[0] if words else ""
    return env


def password_for(env, user):
    """The password of a world account named by local part or address."""
    local = user.split("@", 1)[0]
    if user == env.get("TB_GATEWAY_USER") or local == "fax":
        return env.get("TB_GATEWAY_PASS")
    if user == env.get("TB_FAXHUB_SMTP_USER") or local == "faxhub":
        return env.get("TB_FAXHUB_SMTP_PASS")
    return env.get("TB_PASS_" + local)


def address_for(env, user):
    """A full address for a bare user name (alice -> alice@example.test)."""
    if "@" in user:
        return user
    if user == "fax":
        return env["TB_GATEWAY_USER"]
    return "%s@%s" % (user, env["TB_USER_DOMAIN"])
