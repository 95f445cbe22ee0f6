#!/bin/sh
# Creates the namespace Redress runs in (temporalio/server does not create
# one) and registers the custom search attributes that ops use to find
# complaints in the Temporal UI and with `temporal workflow list --query`.
# Safe to run again: existing namespaces and attributes are left as they are.
#
# The list must match workflows/search_attributes.py (tests/test_compose.py
# checks that it does). PostgreSQL visibility allows up to 10 Keyword and
# 3 each of Int, Datetime and Bool custom attributes per namespace.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${NAMESPACE:-default}"
retention="${RETENTION:-30d}"

echo "waiting for Temporal at $address"
attempt=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 90 ]; then
        echo "Temporal at $address did not become healthy within 3 minutes" >&2
        exit 1
    fi
    sleep 2
done

attempt=0
until temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; do
    temporal operator namespace create --namespace "$namespace" --retention "$retention" \
        --address "$address" || true
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 30 ]; then
        echo "could not create namespace $namespace" >&2
        exit 1
    fi
    sleep 2
done
echo "namespace $namespace is there"

# A new namespace reaches every part of the server within a few seconds, so
# each attribute is retried for a while before giving up. (Commands in the
# loop read /dev/null: the list below is the loop's stdin.)
while read -r name type; do
    [ -n "$name" ] || continue
    attempt=0
    until temporal operator search-attribute create --namespace "$namespace" \
            --name "$name" --type "$type" --address "$address" </dev/null; do
        if temporal operator search-attribute list --namespace "$namespace" \
                --address "$address" </dev/null 2>/dev/null | grep -Eq "(^|[[:space:]])$name([[:space:]]|$)"; then
            echo "search attribute $name is already registered"
            break
        fi
        attempt=$((attempt + 1))
        if [ "$attempt" -ge 30 ]; then
            echo "could not register search attribute $name ($type)" >&2
            exit 1
        fi
        sleep 2
    done
done <<'LIST'
CaseId Keyword
Stage Keyword
Priority Keyword
Assignee Keyword
Team Keyword
Category Keyword
Channel Keyword
Regime Keyword
EscalationLevel Int
NextDeadline Datetime
Breached Bool
LIST
echo "namespace $namespace is ready with Redress's search attributes"
