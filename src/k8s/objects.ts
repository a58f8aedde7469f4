/**
 * The parts of Kubernetes objects that Stateward reads, as loose zod schemas: every field is optional, unknown fields
 * pass through untouched, and a wrongly typed field the rules rely on is reported instead of crashing a rule.
 */
import * as z from "zod";

const stringMap = z.record(z.string(), z.string());

export const labelSelectorSchema = z.looseObject({
  matchLabels: stringMap.nullish(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: z.string(),
        operator: z.string(),
        values: z.array(z.string()).nullish(),
      }),
    )
    .nullish(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const objectMetaSchema = z.looseObject({
  name: z.string().nullish(),
  generateName: z.string().nullish(),
  namespace: z.string().nullish(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
  resourceVersion: z.string().nullish(),
  managedFields: z
    .array(
      z.looseObject({
        manager: z.string().nullish(),
        operation: z.string().nullish(),
        fieldsType: z.string().nullish(),
        fieldsV1: z.record(z.string(), z.unknown()).nullish(),
      }),
    )
    .nullish(),
});
export type ObjectMeta = z.infer<typeof objectMetaSchema>;

const quantity = z.union([z.string(), z.number()]);

export const pvcSpecSchema = z.looseObject({
  accessModes: z.array(z.string()).nullish(),
  volumeMode: z.string().nullish(),
  storageClassName: z.string().nullish(),
  selector: labelSelectorSchema.nullish(),
  volumeName: z.string().nullish(),
  resources: z
    .looseObject({
      requests: z.record(z.string(), quantity).nullish(),
      limits: z.record(z.string(), quantity).nullish(),
    })
    .nullish(),
});

export const persistentVolumeClaimSchema = z.looseObject({
  apiVersion: z.string().nullish(),
  kind: z.string().nullish(),
  metadata: objectMetaSchema.nullish(),
  spec: pvcSpecSchema.nullish(),
  // Read on resize: Kubernetes lets a request drop back to no less than the capacity after a failed expansion.
  status: z.looseObject({ capacity: z.record(z.string(), quantity).nullish() }).nullish(),
});
export type PersistentVolumeClaim = z.infer<typeof persistentVolumeClaimSchema>;

const probe = z.looseObject({}).nullish();

const containerSchema = z.looseObject({
  name: z.string().nullish(),
  volumeMounts: z.array(z.looseObject({ name: z.string().nullish(), mountPath: z.string().nullish() })).nullish(),
  volumeDevices: z.array(z.looseObject({ name: z.string().nullish(), devicePath: z.string().nullish() })).nullish(),
  readinessProbe: probe,
});
export type Container = z.infer<typeof containerSchema>;

const volumeSchema = z.looseObject({
  name: z.string().nullish(),
  persistentVolumeClaim: z.looseObject({ claimName: z.string().nullish() }).nullish(),
  ephemeral: z
    .looseObject({ volumeClaimTemplate: z.looseObject({ spec: pvcSpecSchema.nullish() }).nullish() })
    .nullish(),
});

const podAffinityTermSchema = z.looseObject({
  labelSelector: labelSelectorSchema.nullish(),
  namespaces: z.array(z.string()).nullish(),
  namespaceSelector: labelSelectorSchema.nullish(),
  topologyKey: z.string().nullish(),
});
export type PodAffinityTerm = z.infer<typeof podAffinityTermSchema>;

const affinitySchema = z.looseObject({
  podAntiAffinity: z
    .looseObject({
      requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTermSchema).nullish(),
      preferredDuringSchedulingIgnoredDuringExecution: z
        .array(z.looseObject({ weight: z.number().nullish(), podAffinityTerm: podAffinityTermSchema.nullish() }))
        .nullish(),
    })
    .nullish(),
});

const topologySpreadConstraintSchema = z.looseObject({
  maxSkew: z.number().nullish(),
  topologyKey: z.string().nullish(),
  whenUnsatisfiable: z.string().nullish(),
  labelSelector: labelSelectorSchema.nullish(),
});

export const podTemplateSchema = z.looseObject({
  metadata: objectMetaSchema.nullish(),
  spec: z
    .looseObject({
      containers: z.array(containerSchema).nullish(),
      initContainers: z.array(containerSchema).nullish(),
      volumes: z.array(volumeSchema).nullish(),
      affinity: affinitySchema.nullish(),
      topologySpreadConstraints: z.array(topologySpreadConstraintSchema).nullish(),
      terminationGracePeriodSeconds: z.number().nullish(),
      subdomain: z.string().nullish(),
    })
    .nullish(),
});

export type PodTemplate = z.infer<typeof podTemplateSchema>;

const intOrString = z.union([z.number(), z.string()]);

export const statefulSetSpecSchema = z.looseObject({
  replicas: z.number().nullish(),
  selector: labelSelectorSchema.nullish(),
  serviceName: z.string().nullish(),
  template: podTemplateSchema.nullish(),
  volumeClaimTemplates: z.array(persistentVolumeClaimSchema).nullish(),
  podManagementPolicy: z.string().nullish(),
  updateStrategy: z
    .looseObject({
      type: z.string().nullish(),
      rollingUpdate: z
        .looseObject({
          partition: z.number().nullish(),
          maxUnavailable: intOrString.nullish(),
        })
        .nullish(),
    })
    .nullish(),
  ordinals: z.looseObject({ start: z.number().nullish() }).nullish(),
  persistentVolumeClaimRetentionPolicy: z
    .looseObject({ whenDeleted: z.string().nullish(), whenScaled: z.string().nullish() })
    .nullish(),
  minReadySeconds: z.number().nullish(),
  revisionHistoryLimit: z.number().nullish(),
});

export const statefulSetSchema = z.looseObject({
  apiVersion: z.string().nullish(),
  kind: z.string().nullish(),
  metadata: objectMetaSchema.nullish(),
  spec: statefulSetSpecSchema.nullish(),
});
export type StatefulSet = z.infer<typeof statefulSetSchema>;

/**
 * The status the StatefulSet controller writes (pkg/controller/statefulset/stateful_set_status_updater.go). Not part
 * of statefulSetSchema: a client may send any status, which the API server drops, so a wrong one must not make the
 * object unreadable; the rollout rules read it with this schema and ignore what does not fit.
 */
export const statefulSetStatusSchema = z.looseObject({
  observedGeneration: z.number().nullish(),
  replicas: z.number().nullish(),
  readyReplicas: z.number().nullish(),
  currentReplicas: z.number().nullish(),
  updatedReplicas: z.number().nullish(),
  availableReplicas: z.number().nullish(),
  currentRevision: z.string().nullish(),
  updateRevision: z.string().nullish(),
});
export type StatefulSetStatus = z.infer<typeof statefulSetStatusSchema>;

export const serviceSchema = z.looseObject({
  metadata: objectMetaSchema.nullish(),
  spec: z
    .looseObject({
      clusterIP: z.string().nullish(),
      selector: stringMap.nullish(),
      type: z.string().nullish(),
    })
    .nullish(),
});
export type Service = z.infer<typeof serviceSchema>;

export const storageClassSchema = z.looseObject({
  metadata: objectMetaSchema.nullish(),
  provisioner: z.string().nullish(),
  allowVolumeExpansion: z.boolean().nullish(),
});
export type StorageClass = z.infer<typeof storageClassSchema>;

export const podDisruptionBudgetSchema = z.looseObject({
  metadata: objectMetaSchema.nullish(),
  spec: z
    .looseObject({
      selector: labelSelectorSchema.nullish(),
      minAvailable: intOrString.nullish(),
      maxUnavailable: intOrString.nullish(),
      unhealthyPodEvictionPolicy: z.string().nullish(),
    })
    .nullish(),
});
export type PodDisruptionBudget = z.infer<typeof podDisruptionBudgetSchema>;

export const legacyStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";
export const defaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class";
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
