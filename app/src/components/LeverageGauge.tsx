import { formatLeverage } from "@lt/text/format";
import { wadToNumber } from "@lt/model/fixedPoint";

/**
 * Current |leverage| against the drift band: a bar from 0 to 1.5x the band's top, the band shaded, the target
 * ticked, the current leverage as a dot (red outside the band). Pixels only: the numbers are in its label.
 */
export function LeverageGauge(props: { leverage: bigint; target: bigint; lower: bigint; upper: bigint }) {
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const [current, target, lower, upper] = [abs(props.leverage), abs(props.target), props.lower, props.upper].map(
    wadToNumber,
  );
  const width = 96;
  const max = upper * 1.5;
  const x = (v: number) => Math.max(2, Math.min(width - 2, (v / max) * width));
  const outside = current < lower || current > upper;
  const label = `leverage ${formatLeverage(props.leverage)}, target ${formatLeverage(props.target)}, band ${lower.toFixed(2)}x to ${upper.toFixed(2)}x${outside ? ", outside the band" : ""}`;
  return (
    <svg className="gauge" width={width} height={14} role="img" aria-label={label}>
      <rect x={0} y={6} width={width} height={2} className="gauge-track" />
      <rect x={x(lower)} y={3} width={x(upper) - x(lower)} height={8} className="gauge-band" />
      <rect x={x(target) - 0.5} y={1} width={1} height={12} className="gauge-target" />
      <circle cx={x(current)} cy={7} r={3.5} className={outside ? "gauge-dot outside" : "gauge-dot"} />
    </svg>
  );
}

/** A token's current leverage as its gauge followed by the figure ("3.00x"). */
export function LeverageWithGauge({
  token,
}: {
  token: { leverage: bigint; targetLeverage: bigint; bandLower: bigint; bandUpper: bigint };
}) {
  return (
    <>
      <LeverageGauge
        leverage={token.leverage}
        target={token.targetLeverage}
        lower={token.bandLower}
        upper={token.bandUpper}
      />{" "}
      {formatLeverage(token.leverage)}
    </>
  );
}
