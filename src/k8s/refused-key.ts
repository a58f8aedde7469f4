/**
 * A key JSON.parse keeps as an own property but that most code treats as the object's prototype: copied with
 * `Object.assign` or a `key in` loop it replaces the prototype, and a record holding one once made PUT /inventory
 * answer 500. It is never a Kubernetes field, label or annotation key (those start with a letter or digit), nor a rule,
 * default, namespace or policy key, so every boundary refuses it: request bodies (400), manifests read by the CLI and
 * the policy document. `constructor` and `prototype` are valid label keys and stay data: maps are read with
 * `Object.hasOwn`.
 */
export const refusedKey = "__proto__";

/** Why a manifest or request body holding `refusedKey` is refused, after `Forbidden: `. */
export const refusedKeyDetail = `a "${refusedKey}" key is not accepted (it is no Kubernetes field, label or annotation key)`;
