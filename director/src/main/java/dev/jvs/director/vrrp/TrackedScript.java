package dev.jvs.director.vrrp;

/** {@code track_script} entry; a null weight means "the script's own weight". */
public record TrackedScript(String name, Integer weight, boolean reverse) {}
