/**
 * Renders the spec's annotation templates as Prometheus (Go text/template) does, for the
 * constructs the spec uses: literal text, `{{ $value }}` and `{{ $value | humanizePercentage }}`.
 * Any other template action is an error, so an annotation is never predicted by guesswork.
 */
import { HarnessError } from '../util/errors.ts';

/**
 * Go's `%.Ng` for a float64 (strconv 'g' with precision N; trailing zeros removed). JS's
 * toPrecision rounds an exact decimal tie up, Go to even: ties are resolved from the exact
 * decimal expansion of the double.
 */
export function goFormatG(x: number, prec: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'NaN' : x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return '0';
  const exact = Math.abs(x).toPrecision(100); // the double's exact decimal expansion (to 100 digits)
  const [mant = '', expPart] = exact.split('e');
  const digits = mant.replace('.', '');
  const firstNonZero = digits.search(/[1-9]/);
  const sig = digits.slice(firstNonZero);
  const pointPos = (mant.indexOf('.') === -1 ? mant.length : mant.indexOf('.')) - firstNonZero;
  let exp10 = pointPos - 1 + (expPart ? Number(expPart) : 0);
  let kept = sig.slice(0, prec).split('').map(Number);
  const rest = sig.slice(prec);
  const roundUp =
    rest[0] !== undefined &&
    (rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || (kept.at(-1) ?? 0) % 2 === 1)));
  if (roundUp) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i < 0) {
      kept = [1, ...kept.slice(0, -1)];
      exp10++;
    } else kept[i] = (kept[i] ?? 0) + 1;
  }
  while (kept.length > 1 && kept.at(-1) === 0) kept.pop();
  const ds = kept.join('');
  const sign = x < 0 ? '-' : '';
  if (exp10 < -4 || exp10 >= prec) {
    const e = `${exp10 < 0 ? '-' : '+'}${String(Math.abs(exp10)).padStart(2, '0')}`;
    return `${sign}${ds[0]}${ds.length > 1 ? '.' + ds.slice(1) : ''}e${e}`;
  }
  if (exp10 < 0) return `${sign}0.${'0'.repeat(-exp10 - 1)}${ds}`;
  const int = ds.slice(0, exp10 + 1).padEnd(exp10 + 1, '0');
  const frac = ds.slice(exp10 + 1);
  return `${sign}${int}${frac ? '.' + frac : ''}`;
}

/**
 * Go's `%v` for a float64 (shortest round-trip digits, as JS's String). Only the range where
 * both print plain decimals is accepted (1e-4 ≤ |x| < 1e6, or 0); elsewhere Go switches to
 * exponent notation by other rules, so such a value is refused rather than mispredicted.
 */
export function goFormatV(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (!(a >= 1e-4 && a < 1e6)) {
    throw new HarnessError('ALERT_MODEL_FORMAT', `cannot predict Go's %v rendering of ${x}`, {
      hint: 'the model keeps alert values between 1e-4 and 1e6',
    });
  }
  return String(x);
}

/** Prometheus' humanizePercentage: fmt.Sprintf("%.4g%%", v*100). */
export function humanizePercentage(v: number): string {
  return `${goFormatG(v * 100, 4)}%`;
}

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

/** Renders one annotation template with the alert's value. */
export function renderAnnotation(template: string, value: number, where = 'annotation'): string {
  return template.replace(ACTION, (_m, action: string) => {
    const a = action.replace(/\s+/g, ' ');
    if (a === '$value') return goFormatV(value);
    if (a === '$value | humanizePercentage' || a === 'humanizePercentage $value') return humanizePercentage(value);
    throw new HarnessError('ALERT_MODEL_UNSUPPORTED', `${where}: template action {{ ${action} }} is not modelled`, {
      hint: 'the model renders {{ $value }} and {{ $value | humanizePercentage }}',
    });
  });
}
