# Rebuild the Debian-sourced riscv64 guests in this directory (lua.rv64, bc.rv64,
# zstd.rv64, sqlite3.rv64) plus the generated workload inputs work/corpus.txt and
# work/corpus.txt.zst.
#
# Run it as:   bash guests/linux/real/build.sh [SCRATCH_DIR]
#
# This file is deliberately NOT executable: guests/build-all.sh (and so CI) runs every
# executable guests/linux/*/build.sh, and this build needs network access (apt-get source)
# and takes a few minutes. Nothing here runs in CI; the binaries are checked in.
#
# Needs (Debian bookworm host): gcc-riscv64-linux-gnu, libc6-dev-riscv64-cross,
# binutils-riscv64-linux-gnu, qemu-user (bc's build runs one of its own cross-built tools,
# and work/corpus.txt.zst is made with the new zstd), dpkg-dev (dpkg-source), gcc (host,
# for sqlite's lemon), tclsh (sqlite's amalgamation scripts), make, and deb-src entries for
# bookworm, e.g. /etc/apt/sources.list.d/debian-src.sources:
#
#   Types: deb-src
#   URIs: http://deb.debian.org/debian
#   Suites: bookworm bookworm-updates
#   Components: main
#   Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
#
#   Types: deb-src
#   URIs: http://deb.debian.org/debian-security
#   Suites: bookworm-security
#   Components: main
#   Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
#
# followed by `apt-get update`.
#
# All programs are linked -static against the cross glibc (2.36) so they need no sysroot
# (`vm run prog` / `qemu-riscv64 prog` without -L), built -O2 and stripped. Optional features
# that need other libraries (readline, libedit, zlib, lzma, lz4, dlopen'd extensions) are off.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
scratch=${1:-/tmp/debianprogs-build}
CC=riscv64-linux-gnu-gcc
STRIP=riscv64-linux-gnu-strip
jobs=$(nproc)

# The exact Debian source versions the checked-in binaries came from.
LUA=lua5.4=5.4.4-3+deb12u1
BC=bc=1.07.1-3
ZSTD=libzstd=1.5.4+dfsg2-5
SQLITE=sqlite3=3.40.1-2+deb12u2

rm -rf "$scratch"
mkdir -p "$scratch"
cd "$scratch"
# apt-get source downloads .dsc/.orig/.debian and unpacks with dpkg-source -x, which applies
# the Debian patch series (debian/patches/series).
apt-get source "$LUA" "$BC" "$ZSTD" "$SQLITE"

# ---------------------------------------------------------------------------- lua 5.4
# Debian builds Lua with libtool (debian/configure.ac); we compile the same sources directly,
# with upstream's Makefile flags for the "posix" target (no dlopen, no readline) and the
# lua.c interpreter (luac.c left out). Debian's 0002-lua-modules-paths.patch makes luaconf.h
# include a header that debian/rules generates; generate it the same way.
(
    cd lua5.4-5.4.4/src
    printf '#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n#define DEB_HOST_MULTIARCH "riscv64-linux-gnu"\n#endif\n' \
        > lua5.4-deb-multiarch.h
    $CC -std=gnu99 -O2 -Wall -DLUA_COMPAT_5_3 -DLUA_USE_POSIX -static \
        -o lua $(ls ./*.c | grep -v luac.c | LC_ALL=C sort) -lm
    $STRIP -o "$here/lua.rv64" lua
)

# ---------------------------------------------------------------------------- bc 1.07.1
# Debian's patches touch Makefile.am/Makefile.in; make the autotools outputs newer than their
# inputs so make does not try to rerun automake-1.14 (Debian's own build regenerates them).
# CFLAGS are debian/rules' (without --with-readline). bc's Makefile builds a helper "fbc" with
# $(CC) and runs it to turn libmath.b into libmath.h; when cross-compiling that helper is a
# static riscv64 binary, so run it under qemu-riscv64. Only lib/ and bc/ are built (dc and
# the texinfo docs are not needed).
(
    cd bc-1.07.1
    touch aclocal.m4; sleep 1
    touch configure config.h.in Makefile.in ./*/Makefile.in; sleep 1
    touch bc/bc.c bc/bc.h bc/scan.c
    ./configure --host=riscv64-linux-gnu CC=$CC \
        CFLAGS="-O2 -D_POSIX_SOURCE -DDOT_IS_LAST -DDONTEXIT" LDFLAGS="-static"
    sed -i 's|^\t\./fbc -c|\tqemu-riscv64 ./fbc -c|' bc/Makefile
    make -C lib -j"$jobs"
    make -C bc -j"$jobs"
    $STRIP -o "$here/bc.rv64" bc/bc
)

# ---------------------------------------------------------------------------- zstd 1.5.4
# The zstd CLI from upstream's programs/Makefile (Debian builds it through cmake), without
# zlib/lzma/lz4 and single-threaded so it needs nothing but libc.
(
    cd libzstd-1.5.4+dfsg2
    make -C programs -j"$jobs" zstd CC=$CC CFLAGS="-O2" LDFLAGS="-static" \
        HAVE_ZLIB=0 HAVE_LZMA=0 HAVE_LZ4=0 HAVE_THREAD=0
    $STRIP -o "$here/zstd.rv64" programs/zstd
)

# ---------------------------------------------------------------------------- sqlite3 3.40.1
# Configure for riscv64, generate the amalgamation (sqlite3.c) and shell.c with the host
# tools (lemon etc. built with the host gcc: CROSS_BUILDING=yes selects Debian's
# lemon-for-build rule from 30-cross.patch), then compile the shell + amalgamation with the
# -D options from debian/rules (plus configure's FTS4/FTS5/math functions), except that
# loadable extensions are omitted (SQLITE_OMIT_LOAD_EXTENSION instead of ..._ENABLE_...:
# no dlopen in a static binary).
(
    cd sqlite3-3.40.1
    ./configure --host=riscv64-linux-gnu --build=x86_64-linux-gnu CC=$CC BCC=gcc \
        --disable-tcl --disable-readline --disable-editline
    make -j"$jobs" CROSS_BUILDING=yes sqlite3.c shell.c
    $CC -O2 -fno-strict-aliasing -DSQLITE_OS_UNIX=1 -DSQLITE_ENABLE_MATH_FUNCTIONS \
        -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_FTS3 \
        -DSQLITE_ENABLE_FTS3_PARENTHESIS -DSQLITE_ENABLE_RTREE=1 -DSQLITE_SOUNDEX=1 \
        -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_OMIT_LOOKASIDE=1 -DSQLITE_ENABLE_DBSTAT_VTAB \
        -DSQLITE_ALLOW_ROWID_IN_VIEW -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT=1 \
        -DSQLITE_OMIT_LOAD_EXTENSION -DSQLITE_ENABLE_JSON1 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS \
        -DSQLITE_THREADSAFE=1 -DSQLITE_ENABLE_FTS3_TOKENIZER=1 -DSQLITE_USE_URI=1 \
        -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_ENABLE_PREUPDATE_HOOK -DSQLITE_ENABLE_SESSION \
        -DSQLITE_ENABLE_STMTVTAB -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
        -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 \
        -I. -static -o sqlite3 shell.c sqlite3.c -lm
    $STRIP -o "$here/sqlite3.rv64" sqlite3
)

# ---------------------------------------------------------------------------- workload data
# work/corpus.txt: Lua 5.4's own C sources and headers from the Debian source package,
# concatenated in byte order of their names (real text for zstd to chew on).
cat $(ls lua5.4-5.4.4/src/*.c lua5.4-5.4.4/src/*.h | grep -v deb-multiarch | LC_ALL=C sort) \
    > "$here/work/corpus.txt"
qemu-riscv64 "$here/zstd.rv64" -q -19 -c < "$here/work/corpus.txt" > "$here/work/corpus.txt.zst"

ls -l "$here"/*.rv64 "$here"/work/corpus.txt*
sha256sum "$here"/*.rv64 "$here"/work/corpus.txt*
