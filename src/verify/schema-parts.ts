/** Schema fragments the check kinds share (`kinds/*.ts`) and the check file schema uses. */
export const checkId = { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]*$' };
export const requirementId = { type: 'string', pattern: '^[A-Z]+-[0-9]+$|^FINDING-[0-9]+$' };
export const comparator = { enum: ['<', '<=', '>', '>=', '==', '!='] };
export const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' };
