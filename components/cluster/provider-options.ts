/**
 * Options every Kubernetes provider of Hearth's carries. By default the provider replaces a Secret or ConfigMap
 * whose content changes (delete, then create, as their names are fixed), so a rotated credential or a new
 * setting left a moment with the object gone; with these it is updated in place, as any other object. One marked
 * `immutable`, or a Secret whose `type` changes, is still replaced (pulumi-kubernetes v4.25,
 * provider/pkg/provider/diff.go, forceNewProperties).
 */
export const CONTENT_UPDATED_IN_PLACE = {
  enableSecretMutable: true,
  enableConfigMapMutable: true,
} as const;
