#include "media/pwmeta.h"

#include <assert.h>
#include <spa/param/param.h>
#include <spa/pod/builder.h>

uint32_t pwmeta_params(struct spa_pod_builder *b, const struct spa_pod **params,
                       uint32_t max_damage, uint32_t cursor_default, uint32_t cursor_max)
{
	uint32_t n = 0;

	assert(max_damage > 0 && (!cursor_max || cursor_default <= cursor_max));
	params[n++] = spa_pod_builder_add_object(b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
	                                         SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
	                                         SPA_PARAM_META_size,
	                                         SPA_POD_Int(sizeof(struct spa_meta_header)));
	params[n++] = spa_pod_builder_add_object(
	        b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
	        SPA_POD_Id(SPA_META_VideoDamage), SPA_PARAM_META_size,
	        SPA_POD_CHOICE_RANGE_Int(sizeof(struct spa_meta_region) * max_damage,
	                                 sizeof(struct spa_meta_region),
	                                 sizeof(struct spa_meta_region) * max_damage));
	/* producers fill only the metadata asked for: no bitmaps for a stream without use */
	if (cursor_max)
		params[n++] = spa_pod_builder_add_object(
		        b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta, SPA_PARAM_META_type,
		        SPA_POD_Id(SPA_META_Cursor), SPA_PARAM_META_size,
		        SPA_POD_CHOICE_RANGE_Int(PWMETA_CURSOR_SIZE(cursor_default, cursor_default),
		                                 PWMETA_CURSOR_SIZE(1, 1),
		                                 PWMETA_CURSOR_SIZE(cursor_max, cursor_max)));
	return n;
}
