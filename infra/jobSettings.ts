// How the two Databricks jobs run and whom they tell when they fail (Jobs API 2.2 job settings, as the
// pulumi-databricks Job arguments name them).

export interface JobFailureRecipients<Id> {
  emails: string[];
  /** The id of the workspace notification destination of the webhook, when one is configured. */
  webhookDestinationId: Id | undefined;
}

export interface JobNotificationSettings<Id> {
  emailNotifications?: { onFailures: string[]; noAlertForSkippedRuns: boolean };
  webhookNotifications?: { onFailures: { id: Id }[] };
}

/** Failure notifications of a job: e-mail to the addresses, and the webhook destination, as configured. */
export function failureNotifications<Id>(recipients: JobFailureRecipients<Id>): JobNotificationSettings<Id> {
  return {
    ...(recipients.emails.length > 0
      ? { emailNotifications: { onFailures: recipients.emails, noAlertForSkippedRuns: true } }
      : {}),
    ...(recipients.webhookDestinationId !== undefined
      ? { webhookNotifications: { onFailures: [{ id: recipients.webhookDestinationId }] } }
      : {}),
  };
}

export interface BatchRunSettings {
  maxConcurrentRuns: number;
  timeoutSeconds: number;
  queue: { enabled: boolean };
}

export interface BatchTaskRetries {
  maxRetries: number;
  minRetryIntervalMillis: number;
  retryOnTimeout: boolean;
}

/**
 * One run at a time, each bounded by the timeout. A second trigger (an Airflow retry, a manual run from the
 * UI) waits in the job's queue: without `queue.enabled` Databricks skips a run over maxConcurrentRuns, and jobs
 * made through the API (as here) do not queue by default (Databricks docs, "Configure job queueing").
 */
export function batchRunSettings(timeoutMinutes: number): BatchRunSettings {
  return { maxConcurrentRuns: 1, timeoutSeconds: timeoutMinutes * 60, queue: { enabled: true } };
}

/** A failed batch task is retried after a pause; a run that timed out is not retried (it would time out again). */
export function batchTaskRetries(maxRetries: number): BatchTaskRetries {
  return { maxRetries, minRetryIntervalMillis: 5 * 60 * 1000, retryOnTimeout: false };
}

/**
 * The stream job is continuous: Databricks keeps one run going and starts a new one after a failure, with
 * exponential backoff. Continuous jobs take no retry policy; a failed task ends the run (task retry NEVER),
 * and the job then restarts it. https://docs.databricks.com/en/jobs/continuous.html
 */
export function streamContinuousSettings(paused: boolean): { pauseStatus: string; taskRetryMode: string } {
  return { pauseStatus: paused ? "PAUSED" : "UNPAUSED", taskRetryMode: "NEVER" };
}
