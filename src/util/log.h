/* One small logging helper for every module: levels, a module tag, stderr.
 * Never pass tokens, keys or passwords to it; log their length or a hash instead. */
#pragma once

#include <stdarg.h>

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Messages above this level are dropped; from $WAYRTC_LOG (error|warn|info|debug). */
void log_init(enum log_level level);
enum log_level log_get_level(void);
void log_printf(enum log_level level, const char *module, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#ifndef LOG_MODULE
#define LOG_MODULE "wayrtc"
#endif

#define log_error(...) log_printf(LOG_ERROR, LOG_MODULE, __VA_ARGS__)
#define log_warn(...)  log_printf(LOG_WARN, LOG_MODULE, __VA_ARGS__)
#define log_info(...)  log_printf(LOG_INFO, LOG_MODULE, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_get_level() >= LOG_DEBUG)                                                  \
			log_printf(LOG_DEBUG, LOG_MODULE, __VA_ARGS__);                            \
	} while (0)
