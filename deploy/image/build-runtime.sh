#!/usr/bin/env bash
# Prepares the Java runtime layer of the container image: a root filesystem the image build
# (mvn -Pimage, Jib, FROM scratch) adds as it is. Nothing is pulled from a container registry.
#
#   deploy/image/build-runtime.sh OUT_DIR CLASSPATH
#
# OUT_DIR receives:
#   opt/java/                 a jlink'd runtime of the JDK running this script (JAVA_HOME): the modules
#                             jdeps finds in CLASSPATH, plus the ones loaded as services (see below)
#   lib*/, usr/lib*/          the shared libraries that runtime links against (glibc, libstdc++, libgcc_s,
#                             zlib): this machine's own files, the ones the same JDK runs on here, found
#                             with ldd; symlinks are stored as copies
#   etc/passwd, etc/group     root and nonroot (65532), as distroless images have them
#   etc/nsswitch.conf         files, then DNS
#   usr/lib/locale/C.utf8/    the C.UTF-8 locale, so that Java's encodings are UTF-8
#   usr/share/tollgate-runtime/packages.txt   where each library came from (Debian package and version)
#   tmp/, data/               empty: scratch space (sqlite-jdbc unpacks its native library there) and the
#                             gateway's data directory; the pom's Jib configuration makes both writable
#
# The same inputs (JDK, modules, libraries) give the same files; the directory is rebuilt only when
# they change (OUT_DIR/.inputs records them: this script, the JDK, the modules, the system libraries the
# JDK links against), so a second run costs a second.
set -euo pipefail

out=$(realpath -m "${1:?usage: build-runtime.sh OUT_DIR CLASSPATH}")
classpath=${2:?usage: build-runtime.sh OUT_DIR CLASSPATH}
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}

if [ "$(uname -s)" != Linux ]; then
  echo "build-runtime.sh: the image's runtime is taken from a Linux JDK and its libraries; this is $(uname -s)" >&2
  exit 1
fi
if [ ! -d "$java_home/jmods" ]; then
  echo "build-runtime.sh: $java_home has no jmods/ (jlink needs them): install a full JDK (Debian: openjdk-17-jdk-headless)" >&2
  exit 1
fi

# Modules: what the classes name (jdeps), plus what is found through services at run time and that
# jdeps cannot see. java.desktop is left out on purpose: only optional code paths name it (Jackson's
# java.beans annotations, SnakeYAML's bean introspection, PostgreSQL's PGpoint), and with it would come
# AWT's native libraries and their X11, font and image libraries.
service_modules="jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.charsets"
jdeps_modules=$("$java_home/bin/jdeps" --multi-release "$("$java_home/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = //p')" --ignore-missing-deps --print-module-deps -q \
    $(tr ':' ' ' <<<"$classpath"))
modules=$(tr ',' '\n' <<<"$jdeps_modules,$service_modules" | grep -vx java.desktop | sort -u | paste -sd, -)

script_sum=$(sha256sum "$0" | cut -d' ' -f1)
inputs="script=$script_sum
java=$(sha256sum "$java_home/release" "$java_home/jmods/java.base.jmod" | sha256sum | cut -d' ' -f1)
modules=$modules
libraries=$(ldd "$java_home/bin/java" "$java_home/lib/server/libjvm.so" | awk '/=> \// { print $3 } /^\t\// { print $1 }' \
    | sort -u | xargs readlink -f | xargs sha256sum | sha256sum | cut -d' ' -f1)"
if [ -f "$out/.inputs" ] && [ "$(cat "$out/.inputs")" = "$inputs" ]; then
  echo "build-runtime.sh: $out is current ($modules)"
  exit 0
fi

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/usr/share/tollgate-runtime" "$out/tmp" "$out/data"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --output "$out/opt/java"
# Debian's jlink links the legal notices to the JDK's own; the image gets the files themselves.
find "$out/opt/java" -type l | while read -r link; do
  target=$(readlink -f "$link"); rm "$link"; cp "$target" "$link"
done

# Native libraries the jars carry for this machine (sqlite-jdbc unpacks one into /tmp and loads it):
# what they link against goes into the image too (glibc's libpthread stub, for sqlite-jdbc's).
natives=$(mktemp -d)
trap 'rm -rf "$natives"' EXIT
arch=$(uname -m)
for jar in $(tr ':' ' ' <<<"$classpath"); do
  [ -f "$jar" ] && LC_ALL=C grep -qa '\.so' "$jar" || continue   # entry names are stored as they are
  { "$java_home/bin/jar" tf "$jar" | grep -E "\.so$" | grep -iE "(^|/)linux/$arch/|linux[-_]$arch|_$arch\.so$" \
    | grep -viE "musl|android" || true; } | while read -r entry; do
        (cd "$natives" && "$java_home/bin/jar" xf "$jar" "$entry")
      done
done

# Shared libraries: everything the launcher, the JVM, the runtime's own libraries and the jars'
# native libraries load, with the dynamic loader itself (ldd lists it by the path the binaries ask for).
: >"$out/usr/share/tollgate-runtime/packages.txt"
find "$out/opt/java/bin" "$out/opt/java/lib" "$natives" -type f \( -perm -u+x -o -name '*.so' \) -print0 \
  | xargs -0 ldd 2>/dev/null \
  | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u \
  | while read -r lib; do
      case "$lib" in "$out"/*|"$natives"/*) continue ;; esac   # the runtime's own (libjvm, libjava...)
      mkdir -p "$out$(dirname "$lib")"
      cp "$(readlink -f "$lib")" "$out$lib"
      chmod 755 "$out$lib"
      pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1 || true)
      [ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1 || true)
      version=$([ -n "$pkg" ] && dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo unknown)
      echo "$lib ${pkg:-unknown} $version" >>"$out/usr/share/tollgate-runtime/packages.txt"
    done
# The C.UTF-8 locale (glibc's files for it, from this machine): with LANG=C.UTF-8, as the image sets,
# Java's file names and standard streams are UTF-8 rather than ASCII.
mkdir -p "$out/usr/lib/locale"
cp -r /usr/lib/locale/C.utf8 "$out/usr/lib/locale/"
pkg=$(dpkg -S /usr/lib/locale/C.utf8 2>/dev/null | cut -d: -f1 || true)
echo "/usr/lib/locale/C.utf8 ${pkg:-unknown} $([ -n "$pkg" ] && dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || echo unknown)" \
  >>"$out/usr/share/tollgate-runtime/packages.txt"
{
  echo "java $(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$java_home/release") from $java_home"
  # Every module in the runtime: the ones asked for and those they require.
  echo "modules $(sed -n 's/^MODULES="\(.*\)"/\1/p' "$out/opt/java/release" | tr ' ' '\n' | sort | paste -sd, -)"
} >>"$out/usr/share/tollgate-runtime/packages.txt"

cat >"$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/data:/sbin/nologin
EOF
cat >"$out/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
cat >"$out/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
hosts: files dns
EOF

echo "$inputs" >"$out/.inputs"
echo "build-runtime.sh: $out ready: $(du -sh "$out" | cut -f1), modules $modules"
