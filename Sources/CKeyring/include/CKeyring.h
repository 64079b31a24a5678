#ifndef EMPOWER_CKEYRING_H
#define EMPOWER_CKEYRING_H

#include <stddef.h>

/// Adds a "user" key to the calling user's keyring (`@u`), replacing one of the same description, and sets it
/// to expire `timeout_seconds` from now (the kernel then forgets it). Returns its serial number, or -1 with
/// errno set (the key is not left behind when its timeout cannot be set).
long empower_keyring_add(const char *description, const void *payload, size_t length, unsigned int timeout_seconds);

/// The serial number of the user keyring's "user" key with this description, or -1 with errno set (ENOKEY when
/// there is none, EKEYEXPIRED or EKEYREVOKED when it has ended).
long empower_keyring_find(const char *description);

/// Copies up to `length` bytes of the key's payload into `buffer`; returns the payload's full length, or -1
/// with errno set.
long empower_keyring_read(long serial, void *buffer, size_t length);

/// Revokes the key (no process can read it any more, at once) and unlinks it from the user keyring.
/// Returns 0, or -1 with errno set.
int empower_keyring_forget(long serial);

#endif
