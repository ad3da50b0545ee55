/* crc32c: CRC-32C (Castagnoli, the polynomial iSCSI, ext4 metadata and most write-ahead logs
 * use), for the journal's records. Small and table-driven; no library needed.
 * crc32c(0, "123456789", 9) == 0xE3069283. */
#ifndef CRC32C_H
#define CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continues crc (0 to start) over len bytes of data. */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

#endif
