/* backend: the PostgreSQL engine's table of operations (store/backend.h). */
#include "store/pg/pg.h"

const struct store_backend pg_backend = {
	.name = "postgresql",
#define OP(ret, op, params, args) .op = pg_##op,
#define VOP(op, params, args) .op = pg_##op,
#include "store/ops.def"
#undef OP
#undef VOP
};
