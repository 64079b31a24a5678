#include "CKeyring.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Links the user keyring into this process's own keyring, so that this process possesses the keys in it (the
/// kernel lets only a possessor read or search a "user" key) even in a session whose keyring does not link
/// the user keyring. The process keyring ends with the process.
static void possess_user_keyring(void) {
    syscall(SYS_keyctl, KEYCTL_LINK, KEY_SPEC_USER_KEYRING, KEY_SPEC_PROCESS_KEYRING);
}

long empower_keyring_find(const char *description) {
    possess_user_keyring();
    return syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
}

long empower_keyring_add(const char *description, const void *payload, size_t length, unsigned int timeout_seconds) {
    possess_user_keyring();
    long previous = syscall(SYS_keyctl, KEYCTL_SEARCH, KEY_SPEC_USER_KEYRING, "user", description, 0);
    if (previous > 0) {
        empower_keyring_forget(previous);
    }
    long serial = syscall(SYS_add_key, "user", description, payload, length, KEY_SPEC_USER_KEYRING);
    if (serial < 0) {
        return -1;
    }
    if (syscall(SYS_keyctl, KEYCTL_SET_TIMEOUT, serial, timeout_seconds) < 0) {
        int saved = errno;
        empower_keyring_forget(serial);
        errno = saved;
        return -1;
    }
    return serial;
}

long empower_keyring_read(long serial, void *buffer, size_t length) {
    return syscall(SYS_keyctl, KEYCTL_READ, serial, buffer, length);
}

int empower_keyring_forget(long serial) {
    long revoked = syscall(SYS_keyctl, KEYCTL_REVOKE, serial);
    long unlinked = syscall(SYS_keyctl, KEYCTL_UNLINK, serial, KEY_SPEC_USER_KEYRING);
    return (revoked < 0 && unlinked < 0) ? -1 : 0;
}
