#!/usr/bin/python3
"""A case-insensitive, case-preserving view of a folder, mounted with FUSE, for tests.

    casefold-fs.py <backing folder> <mount point>

Runs in the foreground until unmounted. A path component finds the entry spelled the same way,
or else the entry whose name is equal after Unicode normalisation (NFC) and case folding, the way
the default file systems of macOS and Windows look names up. New names are stored as spelled;
creating or linking a name whose case variant exists fails with EEXIST; a rename onto a case
variant of another entry replaces that entry, and a rename of an entry to another spelling of its
own name changes the spelling. Inode numbers are the backing folder's, so two spellings of one
name report the same inode, as they do on a real case-insensitive file system.

Used by test/hostile/case-insensitive-fs.test.ts and test/adapters/fs-containers-contract.test.ts
(through test/helpers/casefold-mount.ts) because this kernel has no casefold support and
Debian ships no ready-made case-insensitive FUSE file system. Needs python3-fusepy and /dev/fuse.
"""
import errno
import os
import sys
import unicodedata

from fusepy import FUSE, FuseOSError, Operations


def fold(name):
    return unicodedata.normalize('NFC', unicodedata.normalize('NFC', name).casefold())


class CaseFolding(Operations):
    def __init__(self, backing):
        self.backing = os.path.realpath(backing)

    # Name lookup -------------------------------------------------------------------------------

    def _entry(self, folder, name):
        """The entry of `folder` (a backing path) that `name` finds, or None."""
        if os.path.lexists(os.path.join(folder, name)):
            return name
        key = fold(name)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return None
        for entry in names:
            if fold(entry) == key:
                return entry
        return None

    def _real(self, path):
        """Backing path of an existing entry; ENOENT when a component is missing."""
        real = self.backing
        for part in [p for p in path.split('/') if p]:
            entry = self._entry(real, part)
            if entry is None:
                raise FuseOSError(errno.ENOENT)
            real = os.path.join(real, entry)
        return real

    def _new(self, path):
        """(backing folder, name as spelled, existing variant or None) for a name about to be made."""
        parent, _, name = path.rstrip('/').rpartition('/')
        folder = self._real(parent or '/')
        return folder, name, self._entry(folder, name)

    # Reading -----------------------------------------------------------------------------------

    def getattr(self, path, fh=None):
        st = os.lstat(self._real(path))
        keys = ('st_mode', 'st_ino', 'st_dev', 'st_nlink', 'st_uid', 'st_gid', 'st_size',
                'st_atime', 'st_mtime', 'st_ctime')
        attrs = {k: getattr(st, k) for k in keys}
        attrs.update(st_atime=st.st_atime_ns / 1e9, st_mtime=st.st_mtime_ns / 1e9, st_ctime=st.st_ctime_ns / 1e9)
        return attrs

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._real(path))

    def readlink(self, path):
        return os.readlink(self._real(path))

    def statfs(self, path):
        sv = os.statvfs(self._real(path))
        return {k: getattr(sv, k) for k in ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail',
                                             'f_ffree', 'f_files', 'f_flag', 'f_frsize', 'f_namemax')}

    def access(self, path, amode):
        if not os.access(self._real(path), amode):
            raise FuseOSError(errno.EACCES)

    # Files -------------------------------------------------------------------------------------

    def open(self, path, flags):
        return os.open(self._real(path), flags)

    def create(self, path, mode, fi=None):
        folder, name, existing = self._new(path)
        if existing is not None:
            raise FuseOSError(errno.EEXIST)
        return os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)

    def read(self, path, size, offset, fh):
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._real(path), length)

    def flush(self, path, fh):
        return 0

    def fsync(self, path, datasync, fh):
        os.fsync(fh)

    def fsyncdir(self, path, datasync, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)

    def chmod(self, path, mode):
        os.chmod(self._real(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._real(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._real(path), times)

    # Names -------------------------------------------------------------------------------------

    def mkdir(self, path, mode):
        folder, name, existing = self._new(path)
        if existing is not None:
            raise FuseOSError(errno.EEXIST)
        os.mkdir(os.path.join(folder, name), mode)

    def rmdir(self, path):
        os.rmdir(self._real(path))

    def unlink(self, path):
        os.unlink(self._real(path))

    def symlink(self, target, source):
        folder, name, existing = self._new(target)
        if existing is not None:
            raise FuseOSError(errno.EEXIST)
        os.symlink(source, os.path.join(folder, name))

    def link(self, target, source):
        folder, name, existing = self._new(target)
        if existing is not None:
            raise FuseOSError(errno.EEXIST)
        os.link(self._real(source), os.path.join(folder, name))

    def rename(self, old, new):
        real_old = self._real(old)
        folder, name, existing = self._new(new)
        spelled = os.path.join(folder, name)
        if existing is not None and existing != name:
            victim = os.path.join(folder, existing)
            if victim != real_old:
                # Replacing another entry that is spelled differently: it goes, the new spelling stays.
                if os.path.isdir(victim) and not os.path.islink(victim):
                    if os.listdir(victim):
                        raise FuseOSError(errno.ENOTEMPTY)
                    if not os.path.isdir(real_old):
                        raise FuseOSError(errno.EISDIR)
                    os.rmdir(victim)
                else:
                    if os.path.isdir(real_old) and not os.path.islink(real_old):
                        raise FuseOSError(errno.ENOTDIR)
                    os.unlink(victim)
        os.rename(real_old, spelled)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    backing, mountpoint = sys.argv[1], sys.argv[2]
    # use_ino: report the backing inode numbers. No caching of names or attributes in the kernel,
    # so every lookup comes here and sees renames at once.
    FUSE(CaseFolding(backing), mountpoint, foreground=True, nothreads=True, use_ino=True,
         attr_timeout=0, entry_timeout=0, negative_timeout=0)


if __name__ == '__main__':
    main()
