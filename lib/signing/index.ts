/**
 * Signers: build one from a `cz-connection`'s settings and credentials.
 * See types.ts for the interface and each strategy's file for its details.
 */
import { CommandSigner, parseArgsTemplate, type CommandPreset } from './command';
import { HttpSigner } from './http';
import { OpensslSigner } from './openssl';
import { PresignedSigner } from './presigned';
import { signerError, type Signer, type SignerKind } from './types';

export * from './types';
export { OpensslSigner, probeGostEngine, ENGINE_PACKAGE } from './openssl';
export { CommandSigner, COMMAND_PRESETS, parseArgsTemplate } from './command';
export { HttpSigner } from './http';
export { PresignedSigner } from './presigned';
export { parseCms, parseCertificate, decodeSignature, type CmsInfo, type CertificateInfo } from './cms';

/** Everything a signer may be configured with (config-node properties + credentials). */
export interface SignerConfig {
  signer: SignerKind;
  // openssl
  certPath?: string;
  keyPath?: string;
  opensslBin?: string;
  // command
  commandPreset?: CommandPreset | 'custom';
  commandProgram?: string;
  commandArgs?: string;
  thumbprint?: string;
  // http
  httpPreset?: 'generic' | 'dss';
  httpUrl?: string;
  httpField?: string;
  /** PEM file of extra CAs for an https:// signing service */
  httpCaFile?: string;
  dssUser?: string;
  dssClientId?: string;
  dssCertificateId?: string;
  signTimeout?: number;
}

export interface SignerSecrets {
  keyPassword?: string;
  pin?: string;
  httpToken?: string;
  httpPassword?: string;
}

export function createSigner(config: SignerConfig, secrets: SignerSecrets = {}): Signer {
  const timeoutMs = config.signTimeout;
  switch (config.signer) {
    case 'openssl':
      return new OpensslSigner({
        certPath: config.certPath ?? '',
        keyPath: config.keyPath ?? '',
        keyPassword: secrets.keyPassword || undefined,
        opensslBin: config.opensslBin || undefined,
        timeoutMs,
      });
    case 'command': {
      const custom = config.commandArgs ? parseArgsTemplate(config.commandArgs) : [];
      return new CommandSigner({
        preset: config.commandPreset ?? 'cryptcp',
        args: config.commandPreset === 'custom' || custom.length > 0 ? custom : undefined,
        program: config.commandProgram || undefined,
        thumbprint: config.thumbprint || undefined,
        pin: secrets.pin || undefined,
        timeoutMs,
      });
    }
    case 'http':
      return new HttpSigner({
        preset: config.httpPreset ?? 'generic',
        url: config.httpUrl ?? '',
        token: secrets.httpToken || undefined,
        username: config.dssUser || undefined,
        password: secrets.httpPassword || undefined,
        clientId: config.dssClientId || undefined,
        certificateId: config.dssCertificateId || undefined,
        pin: secrets.pin || undefined,
        responseField: config.httpField || undefined,
        caFile: config.httpCaFile || undefined,
        timeoutMs,
      });
    case 'presigned':
      return new PresignedSigner();
    default:
      throw signerError(
        'SIGNER_CONFIG',
        `неизвестный способ подписи «${String(config.signer)}»`,
        `unknown signer "${String(config.signer)}"`,
      );
  }
}
