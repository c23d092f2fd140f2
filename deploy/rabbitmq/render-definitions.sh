#!/bin/sh
# Renders the broker definitions for loading at boot: deploy/rabbitmq/definitions.json has no password hashes, only a
# placeholder "@secret:<user>@" per user; this writes a copy with each replaced by the RabbitMQ SHA-256 hash of the
# password in SECRETS/<user>.password (a mounted Secret: Kubernetes, compose secrets, a root-only folder).
#   render-definitions.sh definitions.json /run/secrets /var/lib/rabbitmq/definitions.json
# The salt is derived from the password (HMAC), so the same secrets render the same file and the broker's
# definitions.skip_if_unchanged skips the import at the next boot: a password set later with rabbitmqctl change_password
# stays, and changing a secret (then re-rendering) is how passwords are rotated. Needs only sh, sed and openssl.
set -eu
definitions=$1 secrets=$2 out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
cp "$definitions" "$work/definitions.json"
for user in $(sed -n 's/.*"@secret:\([a-z][a-z0-9-]*\)@".*/\1/p' "$definitions"); do
  file="$secrets/$user.password"
  [ -s "$file" ] || { echo "render-definitions: $file is missing or empty (the password of broker user $user)" >&2; exit 2; }
  tr -d '\r\n' < "$file" > "$work/password"
  # rabbit_password_hashing_sha256: base64(salt(4) ‖ SHA-256(salt ‖ password)).
  openssl dgst -sha256 -hmac "$user" -binary "$work/password" | head -c 4 > "$work/salt"
  cat "$work/salt" "$work/password" | openssl dgst -sha256 -binary > "$work/digest"
  hash=$(cat "$work/salt" "$work/digest" | openssl base64 -A)
  sed "s|\"@secret:$user@\"|\"$hash\"|" "$work/definitions.json" > "$work/next" && mv "$work/next" "$work/definitions.json"
done
if grep -q '"@secret:' "$work/definitions.json"; then echo "render-definitions: a placeholder is left in $out" >&2; exit 1; fi
mv "$work/definitions.json" "$out"
