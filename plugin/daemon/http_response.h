/* The answer a handler gives: an HTTP status and a malloc'd JSON body. */
#ifndef HTTP_RESPONSE_H
#define HTTP_RESPONSE_H

struct http_response {
	unsigned status; /* 200 on success */
	char *body;      /* malloc'd JSON, owned by the response */
};

#endif
