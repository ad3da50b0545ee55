#include "json_mac.h"

#include "../../common/mac_text.h"

json_t *json_mac(const uint8_t mac[6])
{
	char text[MAC_TEXT_MAX];
	mac_text(mac, text);
	return json_string(text);
}
