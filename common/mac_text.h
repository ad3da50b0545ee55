/* mac_text: a MAC address as text, "02:00:0a:00:00:05" (lower case, colons): the one form
 * the plugin writes, in state files, Docker answers, logs and messages. */
#ifndef MAC_TEXT_H
#define MAC_TEXT_H

#include <stdint.h>

#define MAC_TEXT_MAX 18 /* 17 characters and the NUL */

void mac_text(const uint8_t mac[6], char out[MAC_TEXT_MAX]);

#endif
