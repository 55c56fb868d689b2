package dev.jvs.director.vrrp;

/** {@code track_interface} entry: weight 0 means FAULT while down; otherwise a priority adjustment. */
public record TrackedInterface(String name, int weight, boolean reverse) {}
