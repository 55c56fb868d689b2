package dev.jvs.director.sync;

/**
 * Where a backup installs received records ("connections to install"). The backup offers each record to its
 * installers in order until one takes it: a packet path can install its own flows ahead of the connection table.
 */
public interface ConnectionInstaller {

    /** @return true if this installer took the record (installed, updated or deliberately ignored it) */
    boolean install(SyncRecord record);
}
