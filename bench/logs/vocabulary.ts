/**
 * What the generated logs say: services and their volumes, and the body
 * templates by severity. Placeholders name per-row values computed in
 * dataset.ts.
 */

/** 20 services with skewed volumes (per mille of all rows): the largest logs 22x the smallest. */
export const SERVICES: readonly { name: string; perMille: number }[] = [
  { name: 'api-gateway', perMille: 180 },
  { name: 'checkout', perMille: 140 },
  { name: 'cart', perMille: 110 },
  { name: 'catalog', perMille: 90 },
  { name: 'search', perMille: 70 },
  { name: 'payments', perMille: 60 },
  { name: 'orders', perMille: 50 },
  { name: 'users', perMille: 45 },
  { name: 'auth', perMille: 40 },
  { name: 'inventory', perMille: 35 },
  { name: 'shipping', perMille: 30 },
  { name: 'notifications', perMille: 28 },
  { name: 'recommendations', perMille: 25 },
  { name: 'pricing', perMille: 22 },
  { name: 'reviews', perMille: 20 },
  { name: 'email', perMille: 15 },
  { name: 'fraud-detection', perMille: 12 },
  { name: 'loyalty', perMille: 10 },
  { name: 'media', perMille: 10 },
  { name: 'admin-console', perMille: 8 },
];

/** Mid-size services (4.5-6% of rows each) that the one-service search rotates over. */
export const MID_SERVICES = ['payments', 'orders', 'users'] as const;

/**
 * Words that only one error template uses, each in 0.3-0.7% of bodies
 * (the bench measures and prints their actual share). The full-text search
 * rotates over them.
 */
export const RARE_TERMS = ['timeout', 'deadlock', 'refused', 'declined'] as const;

export interface BodyTemplate {
  /** OTLP severity number: 5 DEBUG, 9 INFO, 13 WARN, 17 ERROR. */
  severity: 5 | 9 | 13 | 17;
  /** Share among the records of this severity; each severity's shares add up to 100. */
  percent: number;
  text: string;
}

export const BODY_TEMPLATES: readonly BodyTemplate[] = [
  {
    severity: 9,
    percent: 45,
    text: '{clientIp} - {uid} "{method} {path} HTTP/1.1" {status} {bytes} {dur}ms "{userAgent}"',
  },
  {
    severity: 9,
    percent: 15,
    text: 'request completed route={route} status={status} duration_ms={dur} user_id={uid}',
  },
  {
    severity: 9,
    percent: 8,
    text: 'order {orderId} created for user {uid}: {items} items, total {amount} EUR',
  },
  { severity: 9, percent: 8, text: 'cache hit for key user:{uid}:profile ({bytes} bytes)' },
  {
    severity: 9,
    percent: 8,
    text: 'published event {event} to topic {topic} partition {partition} offset {offset}',
  },
  { severity: 9, percent: 8, text: 'payment {paymentId} authorized for user {uid} amount {amount} EUR' },
  { severity: 9, percent: 8, text: 'scheduled job {job} finished in {jobMs}ms, processed {records} records' },
  {
    severity: 5,
    percent: 60,
    text: "SQL SELECT id, status, total FROM {table} WHERE user_id = '{uid}' took {dur}ms rows={rows}",
  },
  { severity: 5, percent: 40, text: 'feature flag {flag} evaluated to {flagValue} for user {uid}' },
  { severity: 13, percent: 30, text: 'retrying request to {peer} (attempt {attempt}/3) after {dur}ms' },
  { severity: 13, percent: 25, text: 'slow query on table {table}: {slowMs}ms exceeded threshold 500ms' },
  { severity: 13, percent: 25, text: 'cache entry evicted under memory pressure: key session:{sessionKey}' },
  {
    severity: 13,
    percent: 20,
    text: 'rate limit approaching for client {clientKey}: {requests}/1000 requests per minute',
  },
  { severity: 17, percent: 35, text: 'upstream request timeout after {dur}ms calling {peer}{route}' },
  {
    severity: 17,
    percent: 15,
    text: 'deadlock detected on table {table}, rolling back transaction tx-{txid}',
  },
  {
    severity: 17,
    percent: 15,
    text: 'connection refused: db-{table}.internal:5432 (pool {svc}, {active} active)',
  },
  {
    severity: 17,
    percent: 20,
    text:
      'java.lang.IllegalStateException: order {orderId} in unexpected state PENDING\n' +
      '\tat com.example.{package}.OrderService.complete(OrderService.java:{line1})\n' +
      '\tat com.example.{package}.OrderController.post(OrderController.java:{line2})\n' +
      '\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n' +
      '\t... 42 more',
  },
  {
    severity: 17,
    percent: 15,
    text: 'payment {paymentId} declined by provider: insufficient_funds (user {uid})',
  },
];
