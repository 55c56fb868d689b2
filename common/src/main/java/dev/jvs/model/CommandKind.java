package dev.jvs.model;

/** The ipvsadm commands, with the names ipvsadm uses for them in messages. */
public enum CommandKind {
    ADD_SERVICE("add-service"),
    EDIT_SERVICE("edit-service"),
    DELETE_SERVICE("delete-service"),
    FLUSH("flush"),
    LIST("list"),
    ADD_SERVER("add-server"),
    DELETE_SERVER("delete-server"),
    EDIT_SERVER("edit-server"),
    SET("set"),
    START_DAEMON("start-daemon"),
    STOP_DAEMON("stop-daemon"),
    RESTORE("restore"),
    SAVE("save"),
    ZERO("zero"),
    HELP("help"),
    VERSION("version");

    private final String messageName;

    CommandKind(String messageName) { this.messageName = messageName; }

    /** Name in ipvsadm's messages, e.g. {@code add-service}, {@code flush}. */
    public String messageName() { return messageName; }

    /** True for commands that change the director's state (applied through the rule table). */
    public boolean modifies() {
        return switch (this) {
            case ADD_SERVICE, EDIT_SERVICE, DELETE_SERVICE, FLUSH, ADD_SERVER, DELETE_SERVER, EDIT_SERVER,
                 SET, START_DAEMON, STOP_DAEMON, ZERO -> true;
            default -> false;
        };
    }
}
