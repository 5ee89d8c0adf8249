import '../../lib/util/polyfills';
