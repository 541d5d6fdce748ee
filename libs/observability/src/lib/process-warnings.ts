/**
 * kafkajs 2.2.4 schedules timers with a negative delay (tulios/kafkajs#1751), which Node >= 23 reports
 * as TimeoutNegativeWarning on every reconnect; the timer still fires at once, so the warning is
 * noise. Every other process warning is still printed.
 */
export function silenceKnownWarnings(): void {
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning') return;
    for (const listener of listeners) listener(warning);
  });
}
