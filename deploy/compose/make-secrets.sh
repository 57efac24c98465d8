#!/bin/sh
# Writes the secret files compose.yaml reads (once; existing files are kept).
# Needs mosquitto_passwd (Debian: mosquitto) for the broker's password file.
set -eu
cd "$(dirname "$0")"
umask 077
mkdir -p secrets
random() { python3 -c 'import secrets; print(secrets.token_urlsafe(36))'; }
[ -s secrets/secret_key ] || random > secrets/secret_key
[ -s secrets/postgres_password ] || random > secrets/postgres_password
[ -s secrets/database_url ] ||
  printf 'postgresql://smartcity:%s@db:5432/smartcity\n' "$(cat secrets/postgres_password)" > secrets/database_url
if [ ! -s secrets/mqtt_url ]; then
  password=$(random)
  printf 'mqtt://smartcity:%s@mqtt:1883\n' "$password" > secrets/mqtt_url
  touch secrets/mosquitto_passwd
  mosquitto_passwd -b secrets/mosquitto_passwd smartcity "$password"
fi
# The broker runs as uid 1883 and must read its password file.
chmod 0644 secrets/mosquitto_passwd
echo "secrets in $(pwd)/secrets"
