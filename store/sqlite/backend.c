/* backend: the SQLite engine's table of operations (store/backend.h). */
#include "store/sqlite/sqlite.h"

const struct store_backend sq_backend = {
	.name = "sqlite",
#define OP(ret, op, params, args) .op = sq_##op,
#define VOP(op, params, args) .op = sq_##op,
#include "store/ops.def"
#undef OP
#undef VOP
};
