/* The capture interface's one shared function. */
#include "media/capture.h"

void capture_destroy(struct capture *capture)
{
	if (capture)
		capture->impl->destroy(capture);
}
