#!/usr/bin/env bash
# The Debian packages as IT staff meet them (issue 15), on a clean Debian 12 made with debootstrap:
#  1. builds the packages twice, as a "previous" version and the current one (scripts/package.sh, which
#     also runs lintian on them);
#  2. installs the previous packages with `apt install ./file.deb` (dependencies from Debian's archive);
#  3. sets up a central endpoint and an enrolled kiosk as docs/deployment.md says, and leaves 5 answers
#     unsent in the kiosk's outbox;
#  4. upgrades both packages and checks that the kiosk's config and outbox, the central store, its keys and
#     the settings in /etc/default are untouched, and that the 5 answers then arrive;
#  5. runs the kiosk session's command line (svarboks-kiosk.service) under cage with no GPU, as the kiosk's
#     user: the enrolled kiosk reaches its welcome screen, a kiosk with no config its setup screen, and
#     each screenshot is not blank;
#  6. removes and purges both packages and checks that no data folder is deleted.
# Needs root, network access to Debian's archive, and about 10 minutes (most of it the two package builds
# and the downloads). The chroot is kept in build/packaging/ between runs; SVARBOKS_PACKAGING_FRESH=1 makes
# a new one. Run by ctest as `packaging` (label packaging).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$root/build/packaging
chroot_dir=$work/bookworm
mkdir -p "$work"

step() { echo "packaging: $*"; }
fail() { echo "packaging: FAILED: $*" >&2; exit 1; }
in_chroot() { chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
as_user() { local user=$1; shift; in_chroot runuser -u "$user" -- "$@"; }

[[ $(id -u) -eq 0 ]] || fail "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null

# 1. Two builds of the same sources: the upgrade is from a lower version to this one.
version=$(sed -n 's/^project(svarboks VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
arch=$(dpkg --print-architecture)
step "building the previous ($version~prev) and the current ($version) packages"
"$root/scripts/package.sh" --version "$version~prev" --out "$work/debs"
"$root/scripts/package.sh" --version "$version" --out "$work/debs"

# 2. A clean Debian 12. Mounts are undone whatever happens.
cleanup() {
  pkill -f "$chroot_dir" 2>/dev/null || true
  for mount in dev/shm dev/pts dev proc sys run; do umount -l "$chroot_dir/$mount" 2>/dev/null || true; done
}
trap cleanup EXIT
if [[ ${SVARBOKS_PACKAGING_FRESH:-} == 1 ]]; then rm -rf "$chroot_dir" "$work/bookworm.tar"; fi
rm -rf "$chroot_dir"
if [[ ! -f $work/bookworm.tar ]]; then
  step "debootstrap bookworm (minbase)"
  debootstrap --variant=minbase bookworm "$chroot_dir" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  tar -C "$chroot_dir" -cf "$work/bookworm.tar" .
else
  mkdir -p "$chroot_dir" && tar -C "$chroot_dir" -xf "$work/bookworm.tar"
fi
mount -t proc proc "$chroot_dir/proc"
mount -t sysfs sys "$chroot_dir/sys"
mount --bind /dev "$chroot_dir/dev"
mount --bind /dev/pts "$chroot_dir/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$chroot_dir/dev/shm"  # the compositor's buffers (a bind of /dev has none)
mount -t tmpfs tmpfs "$chroot_dir/run"
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
echo "deb http://deb.debian.org/debian-security bookworm-security main" > "$chroot_dir/etc/apt/sources.list.d/security.list"
mkdir -p "$chroot_dir/debs" && cp "$work"/debs/svarboks-*_"$version"*_"$arch".deb "$chroot_dir/debs/"
in_chroot apt-get update -q >/dev/null

step "apt install the previous packages (with what they recommend: cage, Xwayland)"
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -q \
  "./debs/svarboks-central_${version}~prev_${arch}.deb" "./debs/svarboks-kiosk_${version}~prev_${arch}.deb" >"$work/install.log" 2>&1 \
  || { tail -30 "$work/install.log"; fail "apt install of the previous packages"; }
# Test tools only: a screenshot of the cage session, and curl to see the endpoint.
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -q --no-install-recommends grim curl ca-certificates >/dev/null

for file in /usr/bin/svarboks /usr/bin/svarboks-central /usr/share/svarboks/ui/texts.json \
            /usr/share/svarboks/surveys/digital-kompetence.json /lib/systemd/system/svarboks-kiosk.service \
            /lib/systemd/system/svarboks-central.service /etc/default/svarboks-kiosk /etc/default/svarboks-central \
            /etc/pam.d/svarboks-kiosk /usr/share/doc/svarboks-kiosk/deployment.md.gz; do
  [[ -e $chroot_dir$file ]] || fail "$file is not installed"
done
in_chroot getent passwd svarboks >/dev/null || fail "no system user svarboks"
in_chroot getent passwd svarboks-kiosk >/dev/null || fail "no system user svarboks-kiosk"
for dir in /var/lib/svarboks-central /var/lib/svarboks-kiosk; do
  [[ $(stat -c %a "$chroot_dir$dir") == 700 ]] || fail "$dir is not mode 0700"
done
in_chroot systemctl is-enabled svarboks-central.service >/dev/null 2>&1 && fail "the central service was enabled on installation"
# The services' sandboxing, as `systemd-analyze security` rates it (0 best, 10 worst): the central endpoint
# at most 2.0, the kiosk session, which needs the seat's devices, at most 4.0.
for unit in svarboks-central:20 svarboks-kiosk:40; do
  systemd-analyze security --offline=true --threshold="${unit#*:}" "$chroot_dir/lib/systemd/system/${unit%%:*}.service" \
    >"$work/security-${unit%%:*}.txt" 2>&1 || { tail -3 "$work/security-${unit%%:*}.txt"; fail "${unit%%:*}.service is exposed beyond ${unit#*:}/100"; }
  step "$(tail -1 "$work/security-${unit%%:*}.txt")"
done

# 3. A central endpoint and an enrolled kiosk, as docs/deployment.md says.
step "a central endpoint and an enrolled kiosk with 5 answers in its outbox"
data=/var/lib/svarboks-central
as_user svarboks svarboks-central init --data $data --host 127.0.0.1 >/dev/null
as_user svarboks svarboks-central units add solhoj --name "Plejecenter Solhøj" --data $data >/dev/null
as_user svarboks svarboks-central survey publish /usr/share/svarboks/surveys/digital-kompetence.json --all --data $data >/dev/null
code=$(as_user svarboks svarboks-central enroll --unit solhoj --data $data | awk '/^Enrolment code/ {getline; getline; print $1; exit}')
[[ -n $code ]] || fail "no enrolment code"
port=$((20000 + RANDOM % 20000))
serve_log=$work/serve.log
start_central() {
  as_user svarboks svarboks-central serve --data $data --listen 127.0.0.1:$port >"$serve_log" 2>&1 &
  for _ in $(seq 100); do grep -q listening "$serve_log" && return 0; sleep 0.1; done
  cat "$serve_log"; fail "svarboks-central serve did not start"
}
stop_central() { pkill -u "$(in_chroot id -u svarboks)" -f "svarboks-central serve" || true; sleep 0.5; }
start_central
config=/var/lib/svarboks-kiosk/kiosk.json
cp "$chroot_dir$data/tls/cert.pem" "$chroot_dir/var/lib/svarboks-kiosk/central-ca.pem"
as_user svarboks-kiosk svarboks enroll "$code" --endpoint "https://127.0.0.1:$port" \
  --ca /var/lib/svarboks-kiosk/central-ca.pem --config $config >/dev/null
as_user svarboks-kiosk svarboks simulate 5 --config $config --into-production-outbox >/dev/null
stop_central
pending_answers() { as_user svarboks-kiosk svarboks status --json --config $config | sed -n 's/.*"pending": *\([0-9]*\).*/\1/p'; }
pending=$(pending_answers)
[[ $pending == 5 ]] || fail "expected 5 answers waiting in the outbox, found '$pending'"
fingerprint() {
  (cd "$chroot_dir" && sha256sum var/lib/svarboks-kiosk/kiosk.json var/lib/svarboks-central/secret.key \
     var/lib/svarboks-central/public.key var/lib/svarboks-central/tls/cert.pem etc/default/svarboks-central etc/default/svarboks-kiosk)
}
echo 'SVARBOKS_LISTEN=127.0.0.1:9443  # changed by IT' >> "$chroot_dir/etc/default/svarboks-central"
before=$(fingerprint)

# 4. The upgrade keeps everything, and the answers waiting on the kiosk still arrive.
step "apt install the current packages over the previous ones"
DEBIAN_FRONTEND=noninteractive in_chroot apt-get install -y -q -o Dpkg::Options::=--force-confold \
  "./debs/svarboks-central_${version}_${arch}.deb" "./debs/svarboks-kiosk_${version}_${arch}.deb" >"$work/upgrade.log" 2>&1 \
  || { tail -30 "$work/upgrade.log"; fail "the upgrade"; }
[[ $(in_chroot dpkg-query -W -f='${Version}' svarboks-kiosk) == "$version" ]] || fail "svarboks-kiosk was not upgraded"
[[ $(fingerprint) == "$before" ]] || { diff <(echo "$before") <(fingerprint); fail "the upgrade changed the kiosk config, the keys or /etc/default"; }
pending=$(pending_answers)
[[ $pending == 5 ]] || fail "after the upgrade the outbox holds '$pending' answers, not 5"
start_central
as_user svarboks-kiosk svarboks sync --config $config >/dev/null || fail "the kiosk could not send after the upgrade"
stop_central
pending=$(pending_answers)
[[ $pending == 0 ]] || fail "after the sync the outbox still holds '$pending' answers"
step "upgrade kept the config, the outbox, the keys and the settings; the 5 answers arrived"

# 5. The kiosk session's own command line under cage, with no GPU, as the kiosk's user: the enrolled kiosk's
# welcome screen, and a kiosk with no config yet on its setup screen.
step "the kiosk session under cage (headless, no GPU)"
runtime=/run/svarboks-kiosk-test
mkdir -p "$chroot_dir$runtime" && chown "$(in_chroot id -u svarboks-kiosk)" "$chroot_dir$runtime" && chmod 700 "$chroot_dir$runtime"
exec_start=$(sed -n 's/^ExecStart=//p' "$chroot_dir/lib/systemd/system/svarboks-kiosk.service")
# shellcheck disable=SC1090,SC1091
cage_options=$(. "$chroot_dir/etc/default/svarboks-kiosk"; echo "$SVARBOKS_CAGE_OPTIONS")
sdl_driver=$(. "$chroot_dir/etc/default/svarboks-kiosk"; echo "$SDL_VIDEODRIVER")
command_line=${exec_start//\$SVARBOKS_CAGE_OPTIONS/$cage_options}
# cage_shot CONFIG SCREEN NAME: runs the session with CONFIG until the kiosk shows SCREEN (its UI map says
# so) and its screenshot holds more than a handful of colours; the screenshot is $work/NAME.png.
# SVARBOKS_REDRAW_MS: cage's headless backend lets grim copy only a frame drawn while it waits, and the kiosk
# draws on demand (a test aid only, as in scripts/kiosk_screenshots.py; a real screen keeps its last frame).
cage_shot() {
  local config_file=$1 screen=$2 shot=$work/$3.png colours=0 socket
  rm -f "$shot" "$chroot_dir$runtime/ui.json"
  in_chroot runuser -u svarboks-kiosk -- env XDG_RUNTIME_DIR=$runtime SVARBOKS_CONFIG="$config_file" SDL_VIDEODRIVER="$sdl_driver" \
    SVARBOKS_UI_MAP=$runtime/ui.json SVARBOKS_REDRAW_MS=200 WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 \
    $command_line >"$work/$3.log" 2>&1 &
  for _ in $(seq 60); do
    sleep 1
    grep -q "\"screen\": *\"$screen\"" "$chroot_dir$runtime/ui.json" 2>/dev/null || continue
    socket=$(cd "$chroot_dir$runtime" && ls wayland-* 2>/dev/null | grep -v lock | head -1 || true)
    [[ -n $socket ]] || continue
    in_chroot runuser -u svarboks-kiosk -- env XDG_RUNTIME_DIR=$runtime WAYLAND_DISPLAY="$socket" grim /tmp/shot.png 2>/dev/null || continue
    cp "$chroot_dir/tmp/shot.png" "$shot"
    # The kiosk has drawn when the screenshot holds more than a handful of colours.
    colours=$(python3 - "$shot" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
print(len(set(data[i:i+64] for i in range(0, len(data), 64))))
PY
)
    ((colours > 50)) && break
  done
  pkill -u "$(in_chroot id -u svarboks-kiosk)" cage || true
  sleep 1
  [[ -f $shot ]] || { cat "$work/$3.log"; fail "no screenshot of the cage session on the $screen screen"; }
  ((colours > 50)) || { cat "$work/$3.log"; fail "the cage session's $screen screen stayed blank"; }
  step "cage session drawn on the $screen screen (screenshot $shot)"
}
cage_shot $config welcome cage-session
cage_shot /var/lib/svarboks-kiosk/new/kiosk.json setup cage-setup

# 6. Removing, even purging, keeps the data.
DEBIAN_FRONTEND=noninteractive in_chroot apt-get purge -y -q svarboks-kiosk svarboks-central >"$work/purge.log" 2>&1 || fail "apt purge"
for file in /var/lib/svarboks-central/central.db /var/lib/svarboks-central/secret.key /var/lib/svarboks-kiosk/outbox.db; do
  [[ -f $chroot_dir$file ]] || fail "purging deleted $file"
done
[[ -f $chroot_dir/usr/bin/svarboks ]] && fail "purging left /usr/bin/svarboks"
step "purge removed the programs and kept the data folders"
echo "packaging: all checks passed"
